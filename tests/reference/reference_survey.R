# Reference values from R's survey package (Lumley) for the golden tests in test_against_r.py.
#
# Usage: Rscript reference_survey.R persons.csv population.csv out.csv
# Writes one row per quantity: block, indicator, by, level, estimate, se, ci_lower, ci_upper,
# deff, df (17 significant digits), plus rows "meta/R" and "meta/survey" with the versions.
# Design: svydesign(ids=~psu_id, strata=~stratum_id, weights=~weight_nr, nest=TRUE).

suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 3) stop("usage: Rscript reference_survey.R persons.csv population.csv out.csv")
persons <- read.csv(args[1], colClasses = c(stratum_id = "character", psu_id = "character"))
population <- read.csv(args[2], colClasses = c(stratum_id = "character"))
persons$sex <- factor(persons$sex)
persons$age_group <- factor(persons$age_group, levels = c("0-14", "15-44", "45-64", "65+"))
population$sex <- factor(population$sex)
population$age_group <- factor(population$age_group, levels = levels(persons$age_group))
persons$stratum_sex_age <- interaction(persons$stratum_id, persons$sex, persons$age_group,
                                       sep = "|", drop = TRUE)
population$stratum_sex_age <- interaction(population$stratum_id, population$sex,
                                          population$age_group, sep = "|", drop = TRUE)
options(survey.lonely.psu = "fail")

rows <- list()
num <- function(x) if (is.null(x) || length(x) == 0) NA_real_ else as.numeric(x)
add <- function(block, indicator, by, level, estimate, se, ci_lower = NA, ci_upper = NA,
                deff = NA, df = NA) {
  rows[[length(rows) + 1]] <<- data.frame(
    block = block, indicator = indicator, by = by, level = as.character(level),
    estimate = num(estimate), se = num(se), ci_lower = num(ci_lower), ci_upper = num(ci_upper),
    deff = num(deff), df = num(df), stringsAsFactors = FALSE)
}

# ---- estimates of one design: overall and by domain (svyby keeps the full design)
estimate_all <- function(des, block, domains = c("sex", "age_group", "stratum_id")) {
  m <- svymean(~injured, des, deff = TRUE)
  for (method in c("logit", "beta")) {
    ci <- svyciprop(~injured, des, method = method)
    add(block, paste0("incidence_", method), "all", "all", coef(m), SE(m),
        confint(ci)[1], confint(ci)[2], deff(m), degf(des))
  }
  r <- svyratio(~n_episodes, ~person_years, des, deff = TRUE)
  add(block, "episode_rate", "all", "all", coef(r), SE(r), deff = deff(r), df = degf(des))
  r <- svyratio(~n_episodes, ~injured, des, deff = TRUE)
  add(block, "episodes_per_injured", "all", "all", coef(r), SE(r), deff = deff(r),
      df = degf(des))
  t <- svytotal(~injured, des, deff = TRUE)
  add(block, "injured_total", "all", "all", coef(t), SE(t), deff = deff(t), df = degf(des))

  for (domain in domains) {
    f <- as.formula(paste0("~", domain))
    m <- svyby(~injured, f, des, svymean, deff = TRUE)
    levels <- as.character(m[[domain]])
    dfs <- sapply(levels, function(l) degf(des[as.character(des$variables[[domain]]) == l, ]))
    for (method in c("logit", "beta")) {
      ci <- svyby(~injured, f, des, svyciprop, method = method, vartype = "ci")
      add(block, paste0("incidence_", method), domain, levels, coef(m), SE(m),
          ci$ci_l, ci$ci_u, deff(m), dfs)
    }
    r <- svyby(~n_episodes, f, des, svyratio, denominator = ~person_years, deff = TRUE)
    add(block, "episode_rate", domain, levels, coef(r), SE(r), deff = deff(r), df = dfs)
    r <- svyby(~n_episodes, f, des, svyratio, denominator = ~injured, deff = TRUE)
    add(block, "episodes_per_injured", domain, levels, coef(r), SE(r), deff = deff(r), df = dfs)
  }
  # the age group x sex domain with few cases
  m <- svyby(~injured, ~sex + age_group, des, svymean, deff = TRUE)
  ci <- svyby(~injured, ~sex + age_group, des, svyciprop, method = "beta", vartype = "ci")
  levels <- paste(m$sex, m$age_group, sep = "|")
  dfs <- mapply(function(s, a) degf(des[des$variables$sex == s & des$variables$age_group == a, ]),
                as.character(m$sex), as.character(m$age_group))
  add(block, "incidence_beta", "sex|age_group", levels, coef(m), SE(m), ci$ci_l, ci$ci_u,
      deff(m), dfs)
}

des <- svydesign(ids = ~psu_id, strata = ~stratum_id, weights = ~weight_nr, nest = TRUE,
                 data = persons)
estimate_all(des, "uncalibrated")

# ---- post-stratification to the stratum x sex x age group table
ps_pop <- data.frame(stratum_sex_age = population$stratum_sex_age, Freq = population$population)
des_ps <- postStratify(des, ~stratum_sex_age, ps_pop)
estimate_all(des_ps, "poststratified")

# ---- raking to the three margins (tight convergence so the weights agree to 1e-10)
margin <- function(v) {
  agg <- aggregate(population$population, list(population[[v]]), sum)
  names(agg) <- c(v, "Freq")
  agg
}
des_rk <- rake(des, list(~stratum_id, ~sex, ~age_group),
               list(margin("stratum_id"), margin("sex"), margin("age_group")),
               control = list(maxit = 1000, epsilon = 1e-9))
estimate_all(des_rk, "raked")
write.csv(data.frame(person_id = persons$person_id, weight_ps = weights(des_ps),
                     weight_rk = weights(des_rk)),
          sub("\\.csv$", "_weights.csv", args[3]), row.names = FALSE)

# ---- direct age standardisation to China 2010 census, aggregated to the report groups.
# 5-year counts typed from the published standard (docs/methods.md §7) and summed here, independently of Python.
china2010 <- c(75532610, 70881549, 74908462, 99889114, 127412518, 101013852, 97138203,
               118025959, 124753964, 105594553, 78753171, 81312474, 58667282, 41113282,
               32972397, 23852133, 13373198, 5631928, 1578307, 369979, 35934)
std <- c(sum(china2010[1:3]), sum(china2010[4:9]), sum(china2010[10:13]), sum(china2010[14:21]))
for (info in list(list(des, "uncalibrated"))) {
  d <- info[[1]]; block <- info[[2]]
  sd <- svystandardize(d, by = ~age_group, over = ~1, population = std,
                       excluding.missing = ~injured)
  m <- svymean(~injured, sd)
  add(block, "incidence_std", "all", "all", coef(m), SE(m), df = degf(d))
  sd <- svystandardize(d, by = ~age_group, over = ~sex, population = std,
                       excluding.missing = ~injured)
  m <- svyby(~injured, ~sex, sd, svymean)
  add(block, "incidence_std", "sex", as.character(m$sex), coef(m), SE(m))
}
# The same standardisation as a linear combination of the by-age domain estimates. R 4.1's
# svyby(covmat=TRUE) fails on post-stratified designs, so the domain ratios are written as ratios of
# domain totals and svycontrast applies the delta method to them (identical to the linearised
# variance of sum(w_a * Y_a / X_a)).
groups <- levels(persons$age_group)
indicator_columns <- function(frame) {
  for (i in seq_along(groups)) {
    in_group <- frame$age_group == groups[i]
    frame[[paste0("y", i)]] <- frame$n_episodes * in_group
    frame[[paste0("x", i)]] <- frame$person_years * in_group
    frame[[paste0("i", i)]] <- frame$injured * in_group
    frame[[paste0("p", i)]] <- as.numeric(in_group)
  }
  frame
}
standardised <- function(d, numerator, denominator) {
  terms <- c(paste0(numerator, seq_along(groups)), paste0(denominator, seq_along(groups)))
  totals <- svytotal(as.formula(paste("~", paste(terms, collapse = "+"))), d)
  w <- std / sum(std)
  expr <- parse(text = paste(sprintf("%.17g * %s%d / %s%d", w, numerator, seq_along(groups),
                                     denominator, seq_along(groups)), collapse = " + "))[[1]]
  svycontrast(totals, expr)
}
for (info in list(list(des, "uncalibrated"), list(des_ps, "poststratified"),
                  list(des_rk, "raked"))) {
  d <- info[[1]]; block <- info[[2]]
  d$variables <- indicator_columns(d$variables)
  c1 <- standardised(d, "i", "p")
  add(block, "incidence_std_contrast", "all", "all", coef(c1), SE(c1))
  c2 <- standardised(d, "y", "x")
  add(block, "episode_rate_std", "all", "all", coef(c2), SE(c2))
  for (s in levels(persons$sex)) {
    ds <- subset(d, sex == s)
    c1 <- standardised(ds, "i", "p")
    add(block, "incidence_std_contrast", "sex", s, coef(c1), SE(c1))
    c2 <- standardised(ds, "y", "x")
    add(block, "episode_rate_std", "sex", s, coef(c2), SE(c2))
  }
}
# cross-check of the route above against svyby(covmat=TRUE) where R allows it (no calibration)
r <- svyby(~n_episodes, ~age_group, des, svyratio, denominator = ~person_years, covmat = TRUE)
c3 <- svycontrast(r, std / sum(std))
add("uncalibrated", "episode_rate_std_svyby", "all", "all", coef(c3), SE(c3))
# svystandardize on top of a post-stratified design (R then post-stratifies twice)
sd <- svystandardize(des_ps, by = ~age_group, over = ~1, population = std,
                     excluding.missing = ~injured)
m <- svymean(~injured, sd)
add("poststratified", "incidence_std", "all", "all", coef(m), SE(m))

# ---- lonely PSUs: keep one PSU of stratum S3 and compare R's options with ours
lonely <- persons[!(persons$stratum_id == "S3" & persons$psu_id != "P01"), ]
for (opt in c("adjust", "average", "remove")) {
  options(survey.lonely.psu = opt)
  dl <- svydesign(ids = ~psu_id, strata = ~stratum_id, weights = ~weight_nr, nest = TRUE,
                  data = lonely)
  m <- svymean(~injured, dl)
  add(paste0("lonely_", opt), "incidence", "all", "all", coef(m), SE(m), df = degf(dl))
  r <- svyratio(~n_episodes, ~person_years, dl)
  add(paste0("lonely_", opt), "episode_rate", "all", "all", coef(r), SE(r), df = degf(dl))
}
options(survey.lonely.psu = "fail")

out <- do.call(rbind, rows)
for (column in c("estimate", "se", "ci_lower", "ci_upper", "deff", "df")) {
  out[[column]] <- ifelse(is.na(out[[column]]), "", sprintf("%.17g", out[[column]]))
}
meta <- data.frame(block = "meta", indicator = c("R", "survey"), by = "", level = "",
                   estimate = c(R.version.string, as.character(packageVersion("survey"))),
                   se = "", ci_lower = "", ci_upper = "", deff = "", df = "")
write.csv(rbind(meta, out), args[3], row.names = FALSE)
