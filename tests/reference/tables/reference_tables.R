# Golden values for the report tables (injury_survey.report_tables), computed with R survey.
#
#   Rscript tests/reference/tables/reference_tables.R
#
# Reads tables_persons.csv and tables_episodes.csv (written once by make_tables_data.py) and writes
# expected_tables.csv (quantity, key, value) with the R and survey versions in its first line.
# Designs: stratified, PSUs nested in strata, with-replacement ultimate clusters (the pipeline's
# SurveyDesign). Episode-level analyses (compositions, Rao-Scott tests of episode cross-tables)
# are domains of a design over every sampled PSU, each episode with its person's weight.
suppressPackageStartupMessages(library(survey))
options(survey.lonely.psu = "fail")

here <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))
persons <- read.csv(file.path(here, "tables_persons.csv"), stringsAsFactors = FALSE)
episodes <- read.csv(file.path(here, "tables_episodes.csv"), stringsAsFactors = FALSE)

for (v in c("sex", "age_group", "occupation", "education", "stratum_id")) {
  persons[[v]] <- factor(persons[[v]])
}
# Per-person count of fall episodes (cause 3): the y of the cause-specific rate.
falls <- table(episodes$person_id[episodes$cause == 3])
persons$n_falls <- as.numeric(ifelse(persons$person_id %in% names(falls),
                                     falls[persons$person_id], 0))
persons$one <- 1

pdes <- svydesign(ids = ~psu_id, strata = ~stratum_id, weights = ~weight, nest = TRUE,
                  data = persons)
# Episode-level analyses: domains of a design holding every sampled PSU (episode_design.R).
source(file.path(here, "episode_design.R"))
episodes <- with_placeholder_psus(persons, episodes)
edes_all <- svydesign(ids = ~psu_id, strata = ~stratum_id, weights = ~weight, nest = TRUE,
                      data = episodes)
edes <- subset(edes_all, in_domain == 1)

out <- list()
add <- function(quantity, key, value) {
  out[[length(out) + 1]] <<- data.frame(quantity = quantity, key = key, value = value)
}

# 1. Survey-weighted logistic regression (quasi-binomial), Wald CIs with the residual design df.
# Converged tightly: with glm's default epsilon (1e-8 on the deviance) the SEs are only good to
# about 1e-6 relative, short of the tests' 1e-8 tolerance.
model <- svyglm(injured ~ sex + age_group + occupation + education + stratum_id,
                design = pdes, family = quasibinomial(),
                control = glm.control(epsilon = 1e-14, maxit = 100))
coefs <- summary(model)$coefficients
ci <- confint(model)
for (term in rownames(coefs)) {
  add("logit_estimate", term, coefs[term, "Estimate"])
  add("logit_se", term, coefs[term, "Std. Error"])
  add("logit_p_value", term, coefs[term, "Pr(>|t|)"])
  add("logit_ci_lower", term, ci[term, 1])
  add("logit_ci_upper", term, ci[term, 2])
}
add("logit_df", "residual", model$df.residual)

# 1b. The same model on a domain of a post-stratified design: education is unknown for the
# 0-14-year-olds in occupation 2 (as for pre-school children), so they are outside the model's
# domain; the design keeps every person, so the post-stratification is still credited
# (Lumley 2010, section 2.3 and 7.4). Population totals by sex x age group (the cells):
poptotals <- data.frame(
  sex = factor(rep(c(1, 2), each = 4)),
  age_group = factor(rep(c("0-14", "15-44", "45-64", "65+"), 2)),
  Freq = c(2800, 5000, 3000, 2100, 2600, 6000, 4000, 1900)
)
cal <- postStratify(pdes, ~sex + age_group, poptotals)
cal <- update(cal, known_education = !(age_group == "0-14" & occupation == "2"))
domain_model <- svyglm(injured ~ sex + age_group + occupation + education + stratum_id,
                       design = subset(cal, known_education), family = quasibinomial(),
                       control = glm.control(epsilon = 1e-14, maxit = 100))
coefs <- summary(domain_model)$coefficients
ci <- confint(domain_model)
for (term in rownames(coefs)) {
  add("domain_logit_estimate", term, coefs[term, "Estimate"])
  add("domain_logit_se", term, coefs[term, "Std. Error"])
  add("domain_logit_p_value", term, coefs[term, "Pr(>|t|)"])
  add("domain_logit_ci_lower", term, ci[term, 1])
  add("domain_logit_ci_upper", term, ci[term, 2])
}
add("domain_logit_df", "residual", domain_model$df.residual)

# 2. Rao-Scott tests: second-order F (statistic = "F") and first-order (statistic = "Chisq").
tests <- list(
  cause_place = list(~cause + place, edes),
  injured_age_group = list(~injured + age_group, pdes),
  injured_sex = list(~injured + sex, pdes)
)
for (name in names(tests)) {
  f <- svychisq(tests[[name]][[1]], tests[[name]][[2]], statistic = "F")
  add("rao_scott_f_statistic", name, unname(f$statistic))
  add("rao_scott_f_ndf", name, unname(f$parameter["ndf"]))
  add("rao_scott_f_ddf", name, unname(f$parameter["ddf"]))
  add("rao_scott_f_p_value", name, unname(f$p.value))
  chi <- svychisq(tests[[name]][[1]], tests[[name]][[2]], statistic = "Chisq")
  add("rao_scott_chisq_statistic", name, unname(chi$statistic))
  add("rao_scott_chisq_df", name, unname(chi$parameter["df"]))
  add("rao_scott_chisq_p_value", name, unname(chi$p.value))
}

# 3. Cause composition at episode level: svyciprop, logit CI.
for (code in c(1, 3, 4, 6)) {
  episodes_code <- update(edes, is_code = as.numeric(cause == code))
  p <- svyciprop(~is_code, episodes_code, method = "logit")
  add("composition_estimate", code, as.numeric(p))
  add("composition_se", code, sqrt(as.numeric(attr(p, "var"))))
  add("composition_ci_lower", code, as.numeric(attr(p, "ci")[1]))
  add("composition_ci_upper", code, as.numeric(attr(p, "ci")[2]))
}

# 3b. The same compositions with a 90 % Korn-Graubard interval (estimation.confidence = 0.9,
# estimation.ci_method = beta).
for (code in c(1, 3, 4, 6)) {
  episodes_code <- update(edes, is_code = as.numeric(cause == code))
  p <- svyciprop(~is_code, episodes_code, method = "beta", level = 0.9)
  add("composition_beta90_ci_lower", code, as.numeric(attr(p, "ci")[1]))
  add("composition_beta90_ci_upper", code, as.numeric(attr(p, "ci")[2]))
}

# 4. Cause-specific rate per 1000 persons (falls) on the person design: svyratio.
r <- svyratio(~n_falls, ~one, pdes)
add("fall_rate_per_1000", "estimate", 1000 * unname(coef(r)))
add("fall_rate_per_1000", "se", 1000 * unname(SE(r)))

result <- do.call(rbind, out)
path <- file.path(here, "expected_tables.csv")
writeLines(sprintf("# %s, survey %s", R.version.string, packageVersion("survey")), path)
suppressWarnings(write.table(format(result, digits = 17), path, sep = ",", row.names = FALSE,
                             append = TRUE, quote = TRUE))
