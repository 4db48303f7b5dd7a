# Golden values of direct age standardisation on the standard's 5-year groups (85+ open), from
# R's survey package, for tests/unit/test_standardize.py.
#
#   Rscript tests/reference/standardize_5y.R
#
# Reads data/survey_persons.csv beside this script and writes expected_standardized_5y.csv
# (indicator, by, level, estimate, se; 17 significant digits) with the R and survey versions in
# its first line. Design: svydesign(ids=~psu_id, strata=~stratum_id, weights=~weight_nr,
# nest=TRUE). Proportions: svystandardize (NCHS method: post-stratify the age groups to the
# standard); the episode rate per person-year: the delta method (svycontrast) on domain totals.
suppressPackageStartupMessages(library(survey))
options(survey.lonely.psu = "fail")
here <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))
persons <- read.csv(file.path(here, "data", "survey_persons.csv"),
                    colClasses = c(stratum_id = "character", psu_id = "character"))
persons$sex <- factor(persons$sex)
# 5-year groups, 85+ open; China 2010 census counts typed from the census tables (0-4 … 100+).
lower <- pmin(persons$age_years %/% 5 * 5, 85)
persons$age5 <- factor(lower, levels = seq(0, 85, 5))
china2010 <- c(75532610, 70881549, 74908462, 99889114, 127412518, 101013852, 97138203,
               118025959, 124753964, 105594553, 78753171, 81312474, 58667282, 41113282,
               32972397, 23852133, 13373198, 5631928, 1578307, 369979, 35934)
std <- c(china2010[1:17], sum(china2010[18:21]))
des <- svydesign(ids = ~psu_id, strata = ~stratum_id, weights = ~weight_nr, nest = TRUE,
                 data = persons)

rows <- list()
add <- function(indicator, by, level, estimate, se) {
  rows[[length(rows) + 1]] <<- data.frame(indicator = indicator, by = by, level = level,
                                          estimate = as.numeric(estimate), se = as.numeric(se))
}
sd <- svystandardize(des, by = ~age5, over = ~1, population = std, excluding.missing = ~injured)
m <- svymean(~injured, sd)
add("incidence_std", "all", "all", coef(m), SE(m))
sd <- svystandardize(des, by = ~age5, over = ~sex, population = std, excluding.missing = ~injured)
m <- svyby(~injured, ~sex, sd, svymean)
add("incidence_std", "sex", as.character(m$sex), coef(m), SE(m))

# Episode rate: sum_a W_a * Y_a / X_a on the domain totals, delta method.
groups <- levels(persons$age5)
for (i in seq_along(groups)) {
  in_group <- as.numeric(persons$age5 == groups[i])
  persons[[paste0("y", i)]] <- persons$n_episodes * in_group
  persons[[paste0("x", i)]] <- persons$person_years * in_group
}
des$variables <- persons
rate <- function(d) {
  terms <- c(paste0("y", seq_along(groups)), paste0("x", seq_along(groups)))
  totals <- svytotal(as.formula(paste("~", paste(terms, collapse = "+"))), d)
  w <- std / sum(std)
  expr <- parse(text = paste(sprintf("%.17g * y%d / x%d", w, seq_along(groups),
                                     seq_along(groups)), collapse = " + "))[[1]]
  svycontrast(totals, expr)
}
r <- rate(des)
add("episode_rate_std", "all", "all", coef(r), SE(r))
for (s in levels(persons$sex)) {
  r <- rate(subset(des, sex == s))
  add("episode_rate_std", "sex", s, coef(r), SE(r))
}

result <- do.call(rbind, rows)
path <- file.path(here, "expected_standardized_5y.csv")
writeLines(sprintf("# %s, survey %s", R.version.string, packageVersion("survey")), path)
suppressWarnings(write.table(format(result, digits = 17), path, sep = ",", row.names = FALSE,
                             append = TRUE, quote = TRUE))
