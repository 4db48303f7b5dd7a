# Reference values from R's survey package for the report tables on the declared design
# (test_declared_tables_against_r.py): episode compositions and the risk model's svyglm, with
# certainty PSUs as strata of their households and finite population corrections, on the
# certainty survey of make_reference_data.py (data/fpc_persons.csv, fpc_population.csv,
# fpc_episodes.csv).
#
# Usage: Rscript reference_episodes.R persons.csv population.csv episodes.csv out.csv
# Writes block, quantity, by, level, estimate, se, deff, df (17 significant digits) plus "meta"
# rows with the R and survey versions.
#
# The declarations are written here from the raw columns (certainty, psus_in_frame,
# households_listed), as in reference_fpc.R:
#   as_sampled/none         svydesign(ids = ~psu, strata = ~stratum)
#   own_strata/none         a certainty PSU is a stratum of its own, its households its PSUs
#   own_strata/first_stage  the same with fpc: N_h - certainty PSUs, M_i for a certainty stratum
#   own_strata/two_stage    ids = ~psu + hh, fpc = ~N1 + M_i (the pipeline's default)
# Lonely PSU: options(survey.lonely.psu = "adjust") (stratum S3 keeps one non-certainty PSU).
#
# Compositions ("share"): episodes are the third stage (every episode of every interviewed
# member of a sampled household), so the episode design is the same multistage declaration over
# the episode rows, each with its person's weight, plus one placeholder row for every sampled
# household without an episode; the composition is a domain (subset) of it. Without the
# placeholders R would take the episode-free households and PSUs out of n_h and m_i.
#
# Rao-Scott tests ("rao_scott_f"): second-order F of cause x sex on the episode design and of
# injured x age group on the person design (values in the estimate column).
#
# Risk model ("logit"): svyglm(injured ~ sex + age_group + education + stratum_id,
# family = quasibinomial()) on a domain of the person design, uncalibrated (weight_nr) and
# post-stratified to stratum x sex x age group. "education" is made up here from the age (missing
# under 6, as for pre-school children; else 1 + age %% 3) so that the domain leaves persons out.

suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 4) {
  stop("usage: Rscript reference_episodes.R persons.csv population.csv episodes.csv out.csv")
}
p <- read.csv(args[1], colClasses = c(stratum_id = "character", psu_id = "character",
                                      hh_id = "character", person_id = "character"))
population <- read.csv(args[2], colClasses = c(stratum_id = "character"))
episodes <- read.csv(args[3], colClasses = c(person_id = "character"))
options(survey.lonely.psu = "adjust")

declare_columns <- function(d) {
  cert <- d$certainty == 1
  certain_psus <- unique(d[cert, c("stratum_id", "psu_id")])
  n_certain <- table(certain_psus$stratum_id)
  in_stratum <- ifelse(is.na(n_certain[d$stratum_id]), 0, n_certain[d$stratum_id])
  d$own_stratum <- ifelse(cert, paste0(d$stratum_id, "/", d$psu_id), d$stratum_id)
  d$own_psu <- ifelse(cert, d$hh_id, d$psu_id)
  d$first_stage_size <- ifelse(cert, d$households_listed, d$psus_in_frame - in_stratum)
  d$second_stage_size <- ifelse(cert, 1, d$households_listed)
  d
}

declare <- function(name, d) {
  switch(name,
    "as_sampled/none" = svydesign(ids = ~psu_id, strata = ~stratum_id, weights = ~weight_nr,
                                  nest = TRUE, data = d),
    "own_strata/none" = svydesign(ids = ~own_psu, strata = ~own_stratum, weights = ~weight_nr,
                                  nest = TRUE, data = d),
    "own_strata/first_stage" = svydesign(ids = ~own_psu, strata = ~own_stratum,
                                         fpc = ~first_stage_size, weights = ~weight_nr,
                                         nest = TRUE, data = d),
    "own_strata/two_stage" = svydesign(ids = ~own_psu + hh_id, strata = ~own_stratum,
                                       fpc = ~first_stage_size + second_stage_size,
                                       weights = ~weight_nr, nest = TRUE, data = d))
}
declarations <- c("as_sampled/none", "own_strata/none", "own_strata/first_stage",
                  "own_strata/two_stage")

rows <- list()
num <- function(x) if (is.null(x) || length(x) == 0) NA_real_ else as.numeric(x)
add <- function(block, quantity, by, level, estimate, se, deff = NA, df = NA) {
  rows[[length(rows) + 1]] <<- data.frame(
    block = block, quantity = quantity, by = by, level = as.character(level),
    estimate = num(estimate), se = num(se), deff = num(deff), df = num(df),
    stringsAsFactors = FALSE)
}

# ---------------------------------------------------------------- episode compositions
design_columns <- c("person_id", "hh_id", "stratum_id", "psu_id", "certainty", "psus_in_frame",
                    "households_listed", "weight_nr", "sex")
e <- merge(episodes, p[, design_columns], by = "person_id")
stopifnot(nrow(e) == nrow(episodes))
e$in_domain <- 1
households <- unique(p[, c("hh_id", "stratum_id", "psu_id", "certainty", "psus_in_frame",
                           "households_listed")])
free <- households[!households$hh_id %in% e$hh_id, ]
filler <- data.frame(episode_id = NA, person_id = NA, cause = NA, free, weight_nr = 1, sex = NA,
                     in_domain = 0)
e <- rbind(e[, names(filler)], filler)
e <- declare_columns(e)
causes <- sort(unique(episodes$cause))
for (code in causes) e[[paste0("is_", code)]] <- as.numeric(!is.na(e$cause) & e$cause == code)

for (name in declarations) {
  edes <- subset(declare(name, e), in_domain == 1)
  for (code in causes) {
    f <- as.formula(paste0("~is_", code))
    m <- svymean(f, edes, deff = TRUE)
    add(name, "share", "all", code, coef(m), SE(m), deff(m), degf(edes))
    by_sex <- svyby(f, ~sex, edes, svymean, deff = TRUE)
    for (i in seq_len(nrow(by_sex))) {
      s <- by_sex$sex[i]
      add(name, "share", "sex", paste0(s, "|", code), coef(by_sex)[i], SE(by_sex)[i],
          deff(by_sex)[i], degf(subset(edes, sex == s)))
    }
  }
}

# ---------------------------------------------------------------- Rao-Scott tests (svychisq)
# cause x sex on the episode design; injured x age group on the person design, and injured x sex
# on the person design post-stratified to stratum x sex x age group
p <- declare_columns(p)
age_levels <- c("0-14", "15-44", "45-64", "65+")
p$cell <- interaction(p$stratum_id, p$sex, factor(p$age_group, levels = age_levels), sep = "|",
                      drop = TRUE)
population$cell <- interaction(population$stratum_id, population$sex,
                               factor(population$age_group, levels = age_levels),
                               sep = "|", drop = TRUE)
cells <- data.frame(cell = population$cell, Freq = population$population)
add_test <- function(block, name, test) {
  add(block, "rao_scott_f", name, "statistic", unname(test$statistic), NA)
  add(block, "rao_scott_f", name, "p_value", unname(test$p.value), NA)
  add(block, "rao_scott_f", name, "ndf", unname(test$parameter["ndf"]), NA)
  add(block, "rao_scott_f", name, "ddf", unname(test$parameter["ddf"]), NA)
}
for (name in declarations) {
  edes <- subset(declare(name, e), in_domain == 1)
  add_test(name, "cause_sex", svychisq(~cause + sex, edes, statistic = "F"))
  add_test(name, "injured_age_group", svychisq(~injured + age_group, declare(name, p),
                                               statistic = "F"))
  calibrated <- postStratify(declare(name, p), ~cell, cells)
  add_test(name, "injured_sex_poststratified", svychisq(~injured + sex, calibrated,
                                                        statistic = "F"))
}

# ---------------------------------------------------------------- risk model (svyglm)
p$sex <- factor(p$sex)
p$age_group <- factor(p$age_group, levels = c("0-14", "15-44", "45-64", "65+"))
p$stratum_id <- factor(p$stratum_id)
p$education <- factor(ifelse(p$age_years < 6, NA, 1 + p$age_years %% 3))
p$in_model <- !is.na(p$education)

# glm evaluates the information matrix and the scores at the iterate before the last; with its
# deviance criterion that iterate is up to ~1e-7 from the solution (the deviance is flat there),
# which moves the SEs by ~1e-8 relative. A second fit started at the solution evaluates them there.
fit <- function(des, block) {
  first <- svyglm(injured ~ sex + age_group + education + stratum_id,
                  design = subset(des, in_model), family = quasibinomial(),
                  control = glm.control(epsilon = 1e-14, maxit = 100))
  # (svyglm evaluates glm's arguments outside this function: the start values are inlined)
  model <- eval(bquote(svyglm(injured ~ sex + age_group + education + stratum_id,
                              design = subset(des, in_model), family = quasibinomial(),
                              control = glm.control(epsilon = 1e-14, maxit = 100),
                              start = .(unname(coef(first))))))
  coefs <- summary(model)$coefficients
  for (term in rownames(coefs)) {
    add(block, "logit", "term", term, coefs[term, "Estimate"], coefs[term, "Std. Error"],
        NA, model$df.residual)
  }
}
for (name in c("own_strata/two_stage", "own_strata/first_stage", "as_sampled/none")) {
  des <- declare(name, p)
  fit(des, paste0(name, "/uncalibrated"))
  fit(postStratify(des, ~cell, cells), paste0(name, "/poststratified"))
}

out <- do.call(rbind, rows)
for (column in c("estimate", "se", "deff", "df")) {
  out[[column]] <- ifelse(is.na(out[[column]]), "", sprintf("%.17g", out[[column]]))
}
meta <- data.frame(block = "meta", quantity = c("R", "survey"), by = "", level = "",
                   estimate = c(R.version.string, as.character(packageVersion("survey"))),
                   se = "", deff = "", df = "")
write.csv(rbind(meta, out), args[4], row.names = FALSE)
