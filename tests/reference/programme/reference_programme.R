# Golden values of the programme module from R's survey package (Lumley), scored here in R,
# independently of injury_survey.programme_indicators.
#
# Usage: Rscript reference_programme.R programme_persons.csv programme_households.csv out.csv
# Data: make_programme_data.py (demo baseline, base weights 1/(pi_psu*pi_hh), responding households).
# Design: svydesign(ids=~psu_id, strata=~stratum_id, weights=~weight, nest=TRUE); the smoke
# alarm also on the person-mean household weight (mean of weight_final within the household).
# Scoring as docs/input-tables-programme.md with dont_know = as_no, min_age 15:
#   aware: 1 -> 1; 2 or 8 (don't know) -> 0; 9 (refused) or blank -> not answered.
#   knowledge item: the key's code -> right; another option 1-4 or 8 -> wrong; 9/blank -> not answered.
#   score: 100 * share right among the answered items; persons with none answered have no score.
#   home item: 1 -> 1; 2 or 8 -> 0; 7 (not applicable), 9, blank -> outside the item.
# Domains use svyby / subset of the full design (R keeps all PSUs for the variance).

suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 3) stop("usage: Rscript reference_programme.R persons.csv households.csv out.csv")
ids <- c(stratum_id = "character", psu_id = "character", hh_id = "character",
         person_id = "character")
persons <- read.csv(args[1], colClasses = ids)
households <- read.csv(args[2], colClasses = ids[c("stratum_id", "psu_id", "hh_id")])
options(survey.lonely.psu = "fail")

key <- c(k_fire_exit = 2, k_fire_call = 1, k_traffic_crossing = 3, k_traffic_helmet = 1,
         k_falls_elderly = 4, k_child_drowning = 2, k_poison_storage = 3)

in_scope <- persons$has_knowledge == 1 & persons$age_years >= 15
code <- persons$aware_programme
persons$aware <- ifelse(in_scope & code %in% 1, 1, ifelse(in_scope & code %in% c(2, 8), 0, NA))
persons$answered_aware <- as.integer(!is.na(persons$aware))
right <- sapply(names(key), function(k) ifelse(persons[[k]] %in% key[[k]], 1,
                ifelse(persons[[k]] %in% c(1:4, 8), 0, NA)))
right[!in_scope, ] <- NA
n_answered <- rowSums(!is.na(right))
persons$score <- ifelse(n_answered > 0, 100 * rowSums(right, na.rm = TRUE) / n_answered, NA)
persons$has_score <- as.integer(!is.na(persons$score))
persons$passed <- ifelse(persons$score >= 60, 1, 0)
persons$sex <- factor(persons$sex)

# 65+ in a household that answered the anti-slip item (1 present; 2, 8 absent)
persons$antislip <- ifelse(persons$antislip_grabbars %in% 1, 1,
                    ifelse(persons$antislip_grabbars %in% c(2, 8), 0, NA))
persons$elderly_antislip <- as.integer(persons$age_years >= 65 & !is.na(persons$antislip))
persons$antislip[is.na(persons$antislip)] <- 0

sm <- households$smoke_alarm
households$smoke <- ifelse(sm %in% 1, 1, ifelse(sm %in% c(2, 8), 0, NA))
households$answered_smoke <- as.integer(!is.na(households$smoke))
households$smoke[is.na(households$smoke)] <- 0

# rows outside a domain get a value that never enters an estimate (R needs no NA here)
persons$aware[is.na(persons$aware)] <- 0
persons$score[is.na(persons$score)] <- 0
persons$passed[is.na(persons$passed)] <- 0

dp <- svydesign(ids = ~psu_id, strata = ~stratum_id, weights = ~weight, nest = TRUE,
                data = persons)
dh <- svydesign(ids = ~psu_id, strata = ~stratum_id, weights = ~weight, nest = TRUE,
                data = households)

rows <- list()
add <- function(quantity, level, estimate, se = NA, ci_lower = NA, ci_upper = NA, df = NA,
                extra = NA) {
  rows[[length(rows) + 1]] <<- data.frame(
    quantity = quantity, level = as.character(level), estimate = as.numeric(estimate),
    se = as.numeric(se), ci_lower = as.numeric(ci_lower), ci_upper = as.numeric(ci_upper),
    df = as.numeric(df), extra = as.numeric(extra), stringsAsFactors = FALSE)
}

da <- subset(dp, answered_aware == 1)
m <- svymean(~aware, da)
ci <- svyciprop(~aware, da, method = "logit")
add("awareness", "all", coef(m), SE(m), confint(ci)[1], confint(ci)[2], degf(da))
by_sex <- svyby(~aware, ~sex, da, svymean)
for (i in seq_len(nrow(by_sex))) add("awareness_by_sex", by_sex$sex[i], by_sex$aware[i],
                                     SE(by_sex)[i])

ds <- subset(dp, has_score == 1)
m <- svymean(~score, ds)
add("score_mean", "all", coef(m), SE(m), confint(m, df = degf(ds))[1],
    confint(m, df = degf(ds))[2], degf(ds))
m <- svymean(~passed, ds)
add("pass_share", "all", coef(m), SE(m), df = degf(ds))

dsm <- subset(dh, answered_smoke == 1)
m <- svymean(~smoke, dsm)
ci <- svyciprop(~smoke, dsm, method = "logit")
add("smoke_alarm", "all", coef(m), SE(m), confint(ci)[1], confint(ci)[2], degf(dsm))

# The same item on the household weight of weights.household_weight: person_mean, built here
# from the person weights: the mean of weight_final over the household's persons.
hh_weight <- tapply(persons$weight_final, persons$hh_id, mean)
households$weight_hh <- as.numeric(hh_weight[households$hh_id])
stopifnot(!anyNA(households$weight_hh))
dhw <- svydesign(ids = ~psu_id, strata = ~stratum_id, weights = ~weight_hh, nest = TRUE,
                 data = households)
dsw <- subset(dhw, answered_smoke == 1)
m <- svymean(~smoke, dsw)
ci <- svyciprop(~smoke, dsw, method = "logit")
add("smoke_alarm_person_mean_weight", "all", coef(m), SE(m), confint(ci)[1], confint(ci)[2],
    degf(dsw))

de <- subset(dp, elderly_antislip == 1)
test <- svychisq(~fell + antislip, de, statistic = "F")
add("rao_scott_F", "fell_x_antislip", test$statistic, df = test$parameter[["ddf"]],
    extra = test$parameter[["ndf"]])
add("rao_scott_p", "fell_x_antislip", test$p.value)
share <- svyby(~fell, ~antislip, de, svymean)
for (i in seq_len(nrow(share))) add("fell_share_by_antislip", share$antislip[i], share$fell[i],
                                    SE(share)[i])

add("meta_R", R.version.string, NA)
add("meta_survey", as.character(packageVersion("survey")), NA)
out <- do.call(rbind, rows)
write.csv(format(out, digits = 17), args[3], row.names = FALSE)
