# Reference values from R's survey package for the certainty-PSU and finite-population-correction
# golden tests (test_variance_against_r.py), on data from make_reference_data.py (make_fpc_reference_data).
#
# Usage: Rscript reference_fpc.R persons.csv population.csv out.csv
# Writes block, indicator, by, level, estimate, se, deff, df (17 significant digits) plus "meta"
# rows with the R and survey versions. A block is "<declaration>/<calibration>".
#
# Declarations, written here from the raw columns (certainty, psus_in_frame, households_listed),
# independently of the Python code:
#   as_sampled/none       svydesign(ids=~psu, strata=~stratum)             every PSU drawn with replacement
#   own_strata/none       certainty PSU -> own stratum, households its PSUs, with replacement
#   own_strata/first_stage  the same with fpc: N_h - certainty PSUs for the others, M_i households
#                           for a certainty stratum
#   own_strata/two_stage  ids=~psu+hh, fpc=~N1+M_i, a certainty stratum's households its first
#                         stage (N1 = M_i) with nothing below them (second stage: the household
#                         itself, population 1)
#   own_strata/two_stage_psu_declared  the textbook way: a certainty PSU is a stratum with N1 = 1
#                         (R skips it before any lonely-PSU rule) and its households the second
#                         stage, M_i listed. Same variance as own_strata/two_stage; R's degf
#                         differs (it counts the certainty PSU, not its households), so only
#                         estimates and SEs of this block are compared.
#   as_sampled/two_stage  ids=~psu+hh, fpc=~N_h+M_i with certainty PSUs left in their strata
# Lonely PSU: options(survey.lonely.psu = "adjust") (stratum S3 keeps one non-certainty PSU).

suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 3) stop("usage: Rscript reference_fpc.R persons.csv population.csv out.csv")
p <- read.csv(args[1], colClasses = c(stratum_id = "character", psu_id = "character",
                                      hh_id = "character"))
population <- read.csv(args[2], colClasses = c(stratum_id = "character"))
levels_age <- c("0-14", "15-44", "45-64", "65+")
p$sex <- factor(p$sex)
p$age_group <- factor(p$age_group, levels = levels_age)
population$sex <- factor(population$sex)
population$age_group <- factor(population$age_group, levels = levels_age)
p$cell <- interaction(p$stratum_id, p$sex, p$age_group, sep = "|", drop = TRUE)
population$cell <- interaction(population$stratum_id, population$sex, population$age_group,
                               sep = "|", drop = TRUE)
options(survey.lonely.psu = "adjust")

cert <- p$certainty == 1
n_certain <- tapply(p$psu_id[cert], p$stratum_id[cert], function(x) length(unique(x)))
certain_in_stratum <- ifelse(is.na(n_certain[p$stratum_id]), 0, n_certain[p$stratum_id])
p$own_stratum <- ifelse(cert, paste0(p$stratum_id, "/", p$psu_id), p$stratum_id)
p$own_psu <- ifelse(cert, p$hh_id, p$psu_id)
p$others_in_frame <- p$psus_in_frame - certain_in_stratum
p$first_stage_size <- ifelse(cert, p$households_listed, p$others_in_frame)
p$second_stage_size <- ifelse(cert, 1, p$households_listed)
p$stage1_of_two <- ifelse(cert, 1, p$others_in_frame)

declare <- function(name) {
  switch(name,
    "as_sampled/none" = svydesign(ids = ~psu_id, strata = ~stratum_id, weights = ~weight_nr,
                                  nest = TRUE, data = p),
    "own_strata/none" = svydesign(ids = ~own_psu, strata = ~own_stratum, weights = ~weight_nr,
                                  nest = TRUE, data = p),
    "own_strata/first_stage" = svydesign(ids = ~own_psu, strata = ~own_stratum,
                                         fpc = ~first_stage_size, weights = ~weight_nr,
                                         nest = TRUE, data = p),
    "own_strata/two_stage" = svydesign(ids = ~own_psu + hh_id, strata = ~own_stratum,
                                       fpc = ~first_stage_size + second_stage_size,
                                       weights = ~weight_nr, nest = TRUE, data = p),
    "own_strata/two_stage_psu_declared" = svydesign(ids = ~psu_id + hh_id, strata = ~own_stratum,
                                       fpc = ~stage1_of_two + households_listed,
                                       weights = ~weight_nr, nest = TRUE, data = p),
    "as_sampled/two_stage" = svydesign(ids = ~psu_id + hh_id, strata = ~stratum_id,
                                       fpc = ~psus_in_frame + households_listed,
                                       weights = ~weight_nr, nest = TRUE, data = p))
}

rows <- list()
num <- function(x) if (is.null(x) || length(x) == 0) NA_real_ else as.numeric(x)
add <- function(block, indicator, by, level, estimate, se, deff = NA, df = NA) {
  rows[[length(rows) + 1]] <<- data.frame(
    block = block, indicator = indicator, by = by, level = as.character(level),
    estimate = num(estimate), se = num(se), deff = num(deff), df = num(df),
    stringsAsFactors = FALSE)
}

estimate_all <- function(des, block) {
  m <- svymean(~injured, des, deff = TRUE)
  add(block, "incidence", "all", "all", coef(m), SE(m), deff(m), degf(des))
  r <- svyratio(~n_episodes, ~person_years, des, deff = TRUE)
  add(block, "episode_rate", "all", "all", coef(r), SE(r), deff(r), degf(des))
  t <- svytotal(~injured, des, deff = TRUE)
  add(block, "injured_total", "all", "all", coef(t), SE(t), deff(t), degf(des))
  for (domain in c("sex", "age_group")) {
    f <- as.formula(paste0("~", domain))
    m <- svyby(~injured, f, des, svymean, deff = TRUE)
    lv <- as.character(m[[domain]])
    dfs <- sapply(lv, function(l) degf(des[as.character(des$variables[[domain]]) == l, ]))
    add(block, "incidence", domain, lv, coef(m), SE(m), deff(m), dfs)
    r <- svyby(~n_episodes, f, des, svyratio, denominator = ~person_years, deff = TRUE)
    add(block, "episode_rate", domain, lv, coef(r), SE(r), deff(r), dfs)
  }
}

for (name in c("as_sampled/none", "own_strata/none", "own_strata/first_stage",
               "own_strata/two_stage", "own_strata/two_stage_psu_declared",
               "as_sampled/two_stage")) {
  des <- declare(name)
  estimate_all(des, paste0(name, "/uncalibrated"))
  ps <- postStratify(des, ~cell, data.frame(cell = population$cell, Freq = population$population))
  estimate_all(ps, paste0(name, "/poststratified"))
  margin <- function(v) {
    agg <- aggregate(population$population, list(population[[v]]), sum)
    names(agg) <- c(v, "Freq")
    agg
  }
  rk <- rake(des, list(~stratum_id, ~sex, ~age_group),
             list(margin("stratum_id"), margin("sex"), margin("age_group")),
             control = list(maxit = 1000, epsilon = 1e-9))
  estimate_all(rk, paste0(name, "/raked"))
}

out <- do.call(rbind, rows)
for (column in c("estimate", "se", "deff", "df")) {
  out[[column]] <- ifelse(is.na(out[[column]]), "", sprintf("%.17g", out[[column]]))
}
meta <- data.frame(block = "meta", indicator = c("R", "survey"), by = "", level = "",
                   estimate = c(R.version.string, as.character(packageVersion("survey"))),
                   se = "", deff = "", df = "")
write.csv(rbind(meta, out), args[3], row.names = FALSE)
