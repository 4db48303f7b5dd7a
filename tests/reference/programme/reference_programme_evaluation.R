# Golden values of the programme evaluation from R's survey package (Lumley), scored here in R,
# independently of injury_survey.programme_evaluation.
#
# Usage: Rscript reference_programme_evaluation.R evaluation_persons.csv evaluation_households.csv out.csv
# Data: make_programme_evaluation_data.py (demo waves, base weights 1/(pi_psu*pi_hh), responding
# households). The waves are independent samples stacked into one design with each wave's strata
# kept apart: svydesign(ids=~psu_id, strata=~wave_stratum, weights=~weight, nest=TRUE); df are
# those of the whole stacked design (PSUs - strata), as for the injury indicators.
# Scoring with dont_know = as_no (docs/input-tables-programme.md):
#   aware (persons 15+ with a knowledge row): 1 -> 1; 2 or 8 -> 0; 9 or blank -> not answered.
#   smoke alarm (households): 1 -> 1; 2 or 8 -> 0; 7, 9, blank -> outside the item.
# Awareness: town follow-up vs baseline, difference and ratio (log scale) via svycontrast.
# Smoke alarm: difference-in-differences (town follow-up - baseline) - (comparison follow-up -
# baseline), and the ratio of ratios on the log scale.
# Two declarations: PSUs as sampled with replacement (quantities without a prefix; fpc: none) and
# "declared/": certainty PSUs (pi_psu = 1) as their own strata with their households as units and
# the two-stage fpc, ids = ~psu + hh, fpc = ~N_h + M_i from each wave's own frame (N_h = PSUs in
# the frame less the certainty PSUs; a certainty stratum's N = M_i with nothing below), as
# tests/reference/reference_fpc.R writes own_strata/two_stage. Persons and households alike.

suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 3) stop("usage: Rscript reference_programme_evaluation.R persons.csv households.csv out.csv")
ids <- c(stratum_id = "character", psu_id = "character", hh_id = "character",
         person_id = "character", wave = "character")
persons <- read.csv(args[1], colClasses = ids)
households <- read.csv(args[2], colClasses = ids[c("stratum_id", "psu_id", "hh_id", "wave")])
options(survey.lonely.psu = "fail")

in_scope <- persons$has_knowledge == 1 & persons$age_years >= 15
code <- persons$aware_programme
persons$aware <- ifelse(in_scope & code %in% 1, 1, ifelse(in_scope & code %in% c(2, 8), 0, NA))
persons$answered <- as.integer(!is.na(persons$aware))
persons$aware[is.na(persons$aware)] <- 0
persons$wave_stratum <- paste(persons$wave, persons$stratum_id, sep = "|")

sm <- households$smoke_alarm
households$smoke <- ifelse(sm %in% 1, 1, ifelse(sm %in% c(2, 8), 0, NA))
households$answered <- as.integer(!is.na(households$smoke))
households$smoke[is.na(households$smoke)] <- 0
households$wave_stratum <- paste(households$wave, households$stratum_id, sep = "|")

rows <- list()
add <- function(quantity, estimate, se, ci_lower, ci_upper, df) {
  rows[[length(rows) + 1]] <<- data.frame(
    quantity = paste0(prefix, quantity), estimate = as.numeric(estimate), se = as.numeric(se),
    ci_lower = as.numeric(ci_lower), ci_upper = as.numeric(ci_upper), df = as.numeric(df),
    stringsAsFactors = FALSE)
}
contrast_rows <- function(name, est, df) {
  t <- qt(0.975, df)
  e <- coef(est)[[1]]
  s <- SE(est)[[1]]
  add(name, e, s, e - t * s, e + t * s, df)
}

declared <- function(d) {
  d$psu <- paste(d$wave, d$psu_id, sep = "|")
  d$hh <- paste(d$wave, d$hh_id, sep = "|")
  cert <- d$certainty == 1
  n_certain <- tapply(d$psu[cert], d$wave_stratum[cert], function(x) length(unique(x)))
  certain_in_stratum <- ifelse(is.na(n_certain[d$wave_stratum]), 0, n_certain[d$wave_stratum])
  d$own_stratum <- ifelse(cert, paste0(d$wave_stratum, "/", d$psu_id), d$wave_stratum)
  d$own_psu <- ifelse(cert, d$hh, d$psu)
  d$first_stage_size <- ifelse(cert, d$households_listed, d$psus_in_frame - certain_in_stratum)
  d$second_stage_size <- ifelse(cert, 1, d$households_listed)
  svydesign(ids = ~own_psu + hh, strata = ~own_stratum,
            fpc = ~first_stage_size + second_stage_size, weights = ~weight, nest = TRUE, data = d)
}
with_replacement <- function(d) {
  svydesign(ids = ~psu_id, strata = ~wave_stratum, weights = ~weight, nest = TRUE, data = d)
}

for (declaration in c("with_replacement", "declared")) {
prefix <- if (declaration == "declared") "declared/" else ""
make <- get(declaration)
dp <- make(persons)
df_p <- degf(dp)
aw <- svyby(~aware, ~wave, subset(dp, answered == 1), svymean, covmat = TRUE)
for (w in c("baseline", "followup")) add(paste0("aware_", w), coef(aw)[[w]], SE(aw)[match(w, rownames(aw))], NA, NA, df_p)
contrast_rows("aware_difference", svycontrast(aw, c(baseline = -1, followup = 1)), df_p)
log_ratio <- svycontrast(aw, quote(log(followup) - log(baseline)))
t <- qt(0.975, df_p)
add("aware_ratio", exp(coef(log_ratio)[[1]]), SE(log_ratio)[[1]],
    exp(coef(log_ratio)[[1]] - t * SE(log_ratio)[[1]]),
    exp(coef(log_ratio)[[1]] + t * SE(log_ratio)[[1]]), df_p)

dh <- make(households)
df_h <- degf(dh)
sa <- svyby(~smoke, ~wave, subset(dh, answered == 1), svymean, covmat = TRUE)
for (w in rownames(sa)) add(paste0("smoke_", w), coef(sa)[[w]], SE(sa)[match(w, rownames(sa))], NA, NA, df_h)
contrast_rows("smoke_did", svycontrast(sa, c(baseline = -1, followup = 1,
                                             comparison_baseline = 1, comparison_followup = -1)),
              df_h)
log_ror <- svycontrast(sa, quote(log(followup) - log(baseline) - log(comparison_followup) +
                                   log(comparison_baseline)))
t <- qt(0.975, df_h)
add("smoke_ratio_of_ratios", exp(coef(log_ror)[[1]]), SE(log_ror)[[1]],
    exp(coef(log_ror)[[1]] - t * SE(log_ror)[[1]]),
    exp(coef(log_ror)[[1]] + t * SE(log_ror)[[1]]), df_h)
}

out <- do.call(rbind, rows)
out$meta <- paste(R.version.string, "survey", as.character(packageVersion("survey")))
write.csv(format(out, digits = 17), args[3], row.names = FALSE)
