# Reference values from R's survey package for the demo survey's headline estimates
# (test_variance_against_r.py), on data/demo_weights.csv: the design and analysis columns of the
# demo's results/baseline/weights.parquet (python3 run.py demo).
#
# Usage: Rscript reference_demo.R demo_weights.csv out.csv
# The design is declared here from the raw columns: certainty PSUs (certainty = 1) become strata
# of their households; fpc ~N + M_i with N = frame PSUs less certainty PSUs of the stratum (or
# M_i for a certainty stratum) and M_i = households listed in the PSU. Post-stratified to the
# calibration cells, whose population totals are the final weights' cell sums (post-
# stratification reproduces its targets exactly, so this recovers the census totals used).

suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: Rscript reference_demo.R demo_weights.csv out.csv")
p <- read.csv(args[1], colClasses = c(stratum_id = "character", psu_id = "character",
                                      hh_id = "character", calibration_cell = "character"))
options(survey.lonely.psu = "adjust")
cert <- p$certainty == 1
n_certain <- tapply(p$psu_id[cert], p$stratum_id[cert], function(x) length(unique(x)))
certain_in_stratum <- ifelse(is.na(n_certain[p$stratum_id]), 0, n_certain[p$stratum_id])
p$own_stratum <- ifelse(cert, paste0(p$stratum_id, "/", p$psu_id), p$stratum_id)
p$own_psu <- ifelse(cert, p$hh_id, p$psu_id)
p$first_stage_size <- ifelse(cert, p$households_listed, p$psus_in_frame - certain_in_stratum)
p$second_stage_size <- ifelse(cert, 1, p$households_listed)
totals <- aggregate(p$weight, list(calibration_cell = p$calibration_cell), sum)
names(totals)[2] <- "Freq"

designs <- list(
  "as_sampled/none" = svydesign(ids = ~psu_id, strata = ~stratum_id, weights = ~weight_nr,
                                nest = TRUE, data = p),
  "own_strata/none" = svydesign(ids = ~own_psu, strata = ~own_stratum, weights = ~weight_nr,
                                nest = TRUE, data = p),
  "own_strata/first_stage" = svydesign(ids = ~own_psu, strata = ~own_stratum,
                                       fpc = ~first_stage_size, weights = ~weight_nr,
                                       nest = TRUE, data = p),
  "own_strata/two_stage" = svydesign(ids = ~own_psu + hh_id, strata = ~own_stratum,
                                     fpc = ~first_stage_size + second_stage_size,
                                     weights = ~weight_nr, nest = TRUE, data = p))
rows <- list()
add <- function(block, indicator, by, level, estimate, se, deff, df) {
  rows[[length(rows) + 1]] <<- data.frame(block = block, indicator = indicator, by = by,
    level = as.character(level), estimate = sprintf("%.17g", estimate),
    se = sprintf("%.17g", se), deff = sprintf("%.17g", deff), df = sprintf("%.17g", df))
}
for (name in names(designs)) {
  d <- postStratify(designs[[name]], ~calibration_cell, totals)
  stopifnot(max(abs(weights(d) / p$weight - 1)) < 1e-10)
  m <- svymean(~injured, d, deff = TRUE)
  add(name, "injury_incidence", "all", "all", coef(m), SE(m), deff(m), degf(d))
  r <- svyratio(~n_episodes, ~person_years, d, deff = TRUE)
  add(name, "episode_rate", "all", "all", coef(r), SE(r), deff(r), degf(d))
  m <- svyby(~injured, ~sex, d, svymean, deff = TRUE)
  dfs <- sapply(m$sex, function(s) degf(d[d$variables$sex == s, ]))
  add(name, "injury_incidence", "sex", m$sex, coef(m), SE(m), deff(m), dfs)
}
out <- do.call(rbind, rows)
meta <- data.frame(block = "meta", indicator = c("R", "survey"), by = "", level = "",
                   estimate = c(R.version.string, as.character(packageVersion("survey"))),
                   se = "", deff = "", df = "")
write.csv(rbind(meta, out), args[2], row.names = FALSE)
