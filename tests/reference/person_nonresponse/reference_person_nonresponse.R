# Reference values for the person-level non-response step and the estimates after it
# (test_person_nonresponse.py), from R's arithmetic and the survey package (Lumley).
#
# Usage: Rscript reference_person_nonresponse.R persons.csv population.csv weights.csv estimates.csv
#
# 1. Person-level non-response: screened = injured_12m 1 or 2 ("don't know" 8 and missing are item
#    non-response); within class stratum x sex x age group,
#    weight_pnr = weight_nr * sum(weight_nr of all members) / sum(weight_nr of screened members).
# 2. Post-stratification of the screened residents (residence_status != 3) to the population
#    table by stratum x sex x age group (postStratify); members who left or died take the ratio
#    sum(final) / sum(weight_pnr) of the residents of their cell.
# 3. Estimates on the design of all screened members with the final weights, post-stratified so
#    the variance credits the calibration: the cell totals given to postStratify are the
#    population plus the leavers' final weights, which reproduces the same weights.

suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 4) stop("usage: Rscript reference_person_nonresponse.R persons.csv population.csv weights.csv estimates.csv")
persons <- read.csv(args[1], colClasses = c(stratum_id = "character", psu_id = "character"))
population <- read.csv(args[2], colClasses = c(stratum_id = "character"))
options(survey.lonely.psu = "fail")

persons$cell <- paste(persons$stratum_id, persons$sex, persons$age_group, sep = "|")
population$cell <- paste(population$stratum_id, population$sex, population$age_group, sep = "|")
persons$screened <- !is.na(persons$injured_12m) & persons$injured_12m %in% c(1, 2)

# 1. person-level factor, by plain arithmetic
all_members <- tapply(persons$weight_nr, persons$cell, sum)
screened_members <- tapply(persons$weight_nr[persons$screened], persons$cell[persons$screened], sum)
persons$weight_pnr <- persons$weight_nr * all_members[persons$cell] / screened_members[persons$cell]
screened <- persons[persons$screened, ]

# 2. calibration of the residents
residents <- screened[screened$residence_status != 3, ]
des <- svydesign(ids = ~psu_id, strata = ~stratum_id, weights = ~weight_pnr, data = residents,
                 nest = TRUE)
targets <- data.frame(cell = population$cell, Freq = population$population)
calibrated <- postStratify(des, ~cell, targets)
residents$weight <- weights(calibrated)
factor <- tapply(residents$weight, residents$cell, sum) / tapply(residents$weight_pnr, residents$cell, sum)
screened$weight <- NA_real_
screened$weight[screened$residence_status != 3] <- residents$weight
leaver <- screened$residence_status == 3
screened$weight[leaver] <- screened$weight_pnr[leaver] * factor[screened$cell[leaver]]
write.csv(format(screened[, c("person_id", "weight_pnr", "weight")], digits = 17), args[3],
          row.names = FALSE)

# 3. estimates on the full (screened) design, calibration credited
full <- svydesign(ids = ~psu_id, strata = ~stratum_id, weights = ~weight_pnr, data = screened,
                  nest = TRUE)
leaver_totals <- tapply(screened$weight[leaver], screened$cell[leaver], sum)
totals <- targets
extra <- leaver_totals[totals$cell]
totals$Freq <- totals$Freq + ifelse(is.na(extra), 0, extra)
full <- postStratify(full, ~cell, totals)
stopifnot(max(abs(weights(full) - screened$weight)) < 1e-8)

rows <- list()
add <- function(indicator, by, level, estimate, se, lower, upper) {
  rows[[length(rows) + 1]] <<- data.frame(
    indicator = indicator, by = by, level = as.character(level), estimate = as.numeric(estimate),
    se = as.numeric(se), ci_lower = as.numeric(lower), ci_upper = as.numeric(upper))
}
tq <- qt(0.975, degf(full))
m <- svymean(~injured, full)
ci <- svyciprop(~injured, full, method = "logit")
add("injury_incidence", "all", "all", coef(m), SE(m), confint(ci)[1], confint(ci)[2])
r <- svyratio(~n_episodes, ~person_years, full)
est <- coef(r) * 1000
se <- SE(r) * 1000
add("episode_rate_per_1000py", "all", "all", est, se, est * exp(-tq * se / est),
    est * exp(tq * se / est))
m <- svyby(~injured, ~sex, full, svymean)
ci <- svyby(~injured, ~sex, full, svyciprop, method = "logit", vartype = "ci")
add("injury_incidence", "sex", m$sex, coef(m), SE(m), ci$ci_l, ci$ci_u)
out <- do.call(rbind, rows)
out <- rbind(out, data.frame(indicator = "meta", by = "R", level = R.version.string,
                             estimate = NA, se = NA, ci_lower = NA, ci_upper = NA),
             data.frame(indicator = "meta", by = "survey",
                        level = as.character(packageVersion("survey")),
                        estimate = NA, se = NA, ci_lower = NA, ci_upper = NA))
write.csv(format(out, digits = 17), args[4], row.names = FALSE)
