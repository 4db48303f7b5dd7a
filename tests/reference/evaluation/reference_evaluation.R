# Reference values from R's survey package for the evaluation golden test (test_evaluation_r.py).
#
# Usage: Rscript reference_evaluation.R evaluation_waves.csv expected_evaluation.csv
# Stacked design of independent waves: strata = wave x stratum (nest = TRUE), so each wave's
# variance is its own and a contrast's variance is the sum. Writes quantity, estimate, se, df.
# Two declarations, written here from the raw columns independently of the Python code:
#   PSUs as sampled, with replacement (quantities without a prefix; estimation.fpc: none)
#   "declared/": certainty PSUs as their own strata (households their units) and the two-stage
#     fpc, ids = ~psu + hh, fpc = ~N_h + M_i, each wave with its own frame (N_h = PSUs in the
#     frame less the certainty PSUs; a certainty stratum's households its first stage, N = M_i,
#     nothing below them), as tests/reference/reference_fpc.R writes own_strata/two_stage.

suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
waves <- read.csv(args[1], colClasses = c(stratum_id = "character", psu_id = "character",
                                          hh_id = "character"))
waves$age_group <- factor(waves$age_group, levels = c("0-14", "15-44", "45-64", "65+"))
waves$sex <- factor(waves$sex)
waves$stratum <- paste(waves$wave, waves$stratum_id, sep = "|")
waves$followup <- as.integer(waves$wave %in% c("followup", "comparison_followup"))
waves$intervention <- as.integer(waves$wave %in% c("baseline", "followup"))
options(survey.lonely.psu = "fail")
waves$psu <- paste(waves$stratum, waves$psu_id, sep = "|")
waves$hh <- paste(waves$wave, waves$hh_id, sep = "|")
cert <- waves$certainty == 1
n_certain <- tapply(waves$psu[cert], waves$stratum[cert], function(x) length(unique(x)))
certain_in_stratum <- ifelse(is.na(n_certain[waves$stratum]), 0, n_certain[waves$stratum])
waves$own_stratum <- ifelse(cert, paste0(waves$stratum, "/", waves$psu_id), waves$stratum)
waves$own_psu <- ifelse(cert, waves$hh, waves$psu)
waves$first_stage_size <- ifelse(cert, waves$households_listed,
                                 waves$psus_in_frame - certain_in_stratum)
waves$second_stage_size <- ifelse(cert, 1, waves$households_listed)
designs <- list(
  with_replacement = svydesign(ids = ~psu_id, strata = ~stratum, weights = ~weight, nest = TRUE,
                               data = waves),
  declared = svydesign(ids = ~own_psu + hh, strata = ~own_stratum,
                       fpc = ~first_stage_size + second_stage_size, weights = ~weight,
                       nest = TRUE, data = waves))

rows <- list()
prefix <- ""
add <- function(quantity, estimate, se, df = degf(des)) {
  rows[[length(rows) + 1]] <<- data.frame(quantity = paste0(prefix, quantity),
                                          estimate = as.numeric(estimate),
                                          se = as.numeric(se), df = df)
}
for (declaration in names(designs)) {
des <- designs[[declaration]]
prefix <- if (declaration == "declared") "declared/" else ""

m <- svyby(~injured, ~wave, des, svymean, covmat = TRUE)
for (i in seq_along(coef(m))) add(paste0("incidence/", names(coef(m))[i]), coef(m)[i], SE(m)[i])
c1 <- svycontrast(m, quote(followup - baseline))
add("difference", coef(c1), SE(c1))
c2 <- svycontrast(m, quote(log(followup / baseline)))
add("log_ratio", coef(c2), SE(c2))
c3 <- svycontrast(m, quote((followup - baseline) - (comparison_followup - comparison_baseline)))
add("difference_in_differences", coef(c3), SE(c3))
c4 <- svycontrast(m, quote(log(followup / baseline) - log(comparison_followup / comparison_baseline)))
add("log_ratio_of_ratios", coef(c4), SE(c4))

# Direct standardisation (China 2010 census, report age groups), per wave, then the contrasts
china2010 <- c(75532610, 70881549, 74908462, 99889114, 127412518, 101013852, 97138203,
               118025959, 124753964, 105594553, 78753171, 81312474, 58667282, 41113282,
               32972397, 23852133, 13373198, 5631928, 1578307, 369979, 35934)
std <- c(sum(china2010[1:3]), sum(china2010[4:9]), sum(china2010[10:13]), sum(china2010[14:21]))
# As the linear combination sum_a std_a * p(wave, age a) of the domain means (svystandardize
# with over = ~wave fails in svyby(covmat = TRUE) under survey 4.1.1).
a <- svyby(~injured, ~wave + age_group, des, svymean, covmat = TRUE)
std_w <- std / sum(std)
standardised <- function(w) {
  v <- setNames(rep(0, length(coef(a))), names(coef(a)))
  v[paste(w, levels(waves$age_group), sep = ".")] <- std_w
  v
}
for (w in c("baseline", "followup")) {
  s <- svycontrast(a, standardised(w))
  add(paste0("incidence_std/", w), coef(s), SE(s))
}
c5 <- svycontrast(a, standardised("followup") - standardised("baseline"))
add("std_difference", coef(c5), SE(c5))

# Pooled logistic regression: two waves with a wave term; four waves with area x wave. Fitted to
# tight convergence: with glm's default epsilon (1e-8) R's own SEs move in the 5th digit.
tight <- glm.control(epsilon = 1e-14, maxit = 100)
two <- subset(des, wave %in% c("baseline", "followup"))
g1 <- svyglm(injured ~ followup + age_group + sex, design = two, family = quasibinomial(),
             control = tight)
add("glm_wave/followup", coef(g1)["followup"], SE(g1)["followup"], g1$df.residual)
g2 <- svyglm(injured ~ followup + intervention + intervention:followup + age_group + sex,
             design = des, family = quasibinomial(),
             control = tight)
for (term in c("followup", "intervention", "followup:intervention")) {
  add(paste0("glm_area_wave/", term), coef(g2)[term], SE(g2)[term], g2$df.residual)
}
}
out <- do.call(rbind, rows)
out <- rbind(out, data.frame(quantity = c("meta/R", "meta/survey"),
                             estimate = NA, se = NA, df = NA))
out$note <- c(rep("", nrow(out) - 2), R.version.string, as.character(packageVersion("survey")))
write.csv(format(out, digits = 17), args[2], row.names = FALSE)
