# Reference values from R's survey package for the pooled district estimate
# (test_pooled_against_r.py), on the towns' weighted persons: town_a.csv and town_b.csv hold the
# design and analysis columns of each town's results/baseline/weights.parquet from the two-town
# example (examples/district/, make_district_data.py).
#
# Usage: Rscript reference_district.R out.csv town_a.csv town_b.csv [...]
# The town id is the file name without .csv. The towns are stacked here, independently of the
# Python code: stratum = town/stratum, PSU = town/PSU, household = town/household, so every town
# keeps its own strata. Certainty PSUs (certainty = 1) become strata of their households; fpc
# ~N + M_i with N = frame PSUs less the stratum's certainty PSUs (or M_i for a certainty stratum)
# and M_i = households listed in the PSU. Post-stratified to town x calibration cell, whose
# totals are the final weights' cell sums (each town's own calibration, which post-stratification
# reproduces exactly: checked below). Lonely PSUs: survey.lonely.psu = "adjust".
# Writes indicator, by, level, estimate, se, deff, df (17 significant digits) and "meta" rows
# with the R and survey versions; the episode rate is per 1000 person-years.

suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 3) stop("usage: Rscript reference_district.R out.csv town_a.csv town_b.csv")
towns <- lapply(args[-1], function(path) {
  p <- read.csv(path, colClasses = c(stratum_id = "character", psu_id = "character",
                                     hh_id = "character", calibration_cell = "character",
                                     age_group = "character"))
  p$town <- sub("\\.csv$", "", basename(path))
  p
})
p <- do.call(rbind, towns)
p$stratum <- paste0(p$town, "/", p$stratum_id)
p$psu <- paste0(p$town, "/", p$psu_id)
p$hh <- paste0(p$town, "/", p$hh_id)
p$cell <- paste0(p$town, "|", p$calibration_cell)
options(survey.lonely.psu = "adjust")
cert <- p$certainty == 1
n_certain <- tapply(p$psu[cert], p$stratum[cert], function(x) length(unique(x)))
certain_in_stratum <- ifelse(is.na(n_certain[p$stratum]), 0, n_certain[p$stratum])
p$own_stratum <- ifelse(cert, paste0(p$stratum, "/", p$psu), p$stratum)
p$own_psu <- ifelse(cert, p$hh, p$psu)
p$first_stage_size <- ifelse(cert, p$households_listed, p$psus_in_frame - certain_in_stratum)
p$second_stage_size <- ifelse(cert, 1, p$households_listed)
totals <- aggregate(p$weight, list(cell = p$cell), sum)
names(totals)[2] <- "Freq"

d <- svydesign(ids = ~own_psu + hh, strata = ~own_stratum,
               fpc = ~first_stage_size + second_stage_size, weights = ~weight_pnr,
               nest = TRUE, data = p)
d <- postStratify(d, ~cell, totals)
stopifnot(max(abs(weights(d) / p$weight - 1)) < 1e-10)

rows <- list()
add <- function(indicator, by, level, estimate, se, deff, df) {
  rows[[length(rows) + 1]] <<- data.frame(indicator = indicator, by = by,
    level = as.character(level), estimate = sprintf("%.17g", estimate),
    se = sprintf("%.17g", se), deff = sprintf("%.17g", deff), df = sprintf("%.17g", df))
}
m <- svymean(~injured, d, deff = TRUE)
add("injury_incidence", "all", "all", coef(m), SE(m), deff(m), degf(d))
r <- svyratio(~n_episodes, ~person_years, d, deff = TRUE)
add("episode_rate_per_1000py", "all", "all", 1000 * coef(r), 1000 * SE(r), deff(r), degf(d))
for (domain in c("town", "sex", "age_group")) {
  f <- as.formula(paste0("~", domain))
  m <- svyby(~injured, f, d, svymean, deff = TRUE)
  lv <- as.character(m[[domain]])
  dfs <- sapply(lv, function(l) degf(d[as.character(d$variables[[domain]]) == l, ]))
  add("injury_incidence", domain, lv, coef(m), SE(m), deff(m), dfs)
  r <- svyby(~n_episodes, f, d, svyratio, denominator = ~person_years, deff = TRUE)
  add("episode_rate_per_1000py", domain, lv, 1000 * coef(r), 1000 * SE(r), deff(r), dfs)
}
out <- do.call(rbind, rows)
meta <- data.frame(indicator = "meta", by = c("R", "survey"), level = "",
                   estimate = c(R.version.string, as.character(packageVersion("survey"))),
                   se = "", deff = "", df = "")
write.csv(rbind(meta, out), args[1], row.names = FALSE)
