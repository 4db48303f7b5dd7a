# The indicator table of benchmarks/bench_estimation.py through R's survey package, on the same
# persons: incidence (svymean of injured 0/1) and the episode rate per 1,000 person-years
# (svyratio), overall, by sex and by age group, each with SE, deff (deff = TRUE: against simple
# random sampling without replacement, as ours) and a 95 % CI.
#
#   Rscript bench_estimation.R persons.csv out.csv none|poststratify [population.csv]
#
# Reading the CSV is not timed: the clock starts at svydesign() and stops when the table is
# built, so the figure is the estimation alone. With "poststratify" the design is calibrated with
# postStratify(~sex + age_group) from weight_pnr, inside the timed part (the design is built
# from the weights as the estimation notebook builds it).
suppressPackageStartupMessages(library(survey))

args <- commandArgs(trailingOnly = TRUE)
persons <- read.csv(
  args[1],
  colClasses = c(
    stratum_id = "character", psu_id = "character", sex = "integer",
    age_group = "character", injured = "integer", n_episodes = "integer",
    person_years = "numeric", weight_pnr = "numeric", weight = "numeric"
  )
)
calibration <- args[3]
population <- if (calibration == "poststratify") {
  read.csv(args[4], colClasses = c(sex = "integer", age_group = "character", Freq = "numeric"))
}

started <- proc.time()[["elapsed"]]
if (calibration == "poststratify") {
  design <- svydesign(
    ids = ~psu_id, strata = ~stratum_id, weights = ~weight_pnr, nest = TRUE, data = persons
  )
  design <- postStratify(design, ~ sex + age_group, population)
} else {
  design <- svydesign(
    ids = ~psu_id, strata = ~stratum_id, weights = ~weight, nest = TRUE, data = persons
  )
}
t_crit <- qt(0.975, degf(design))
rows <- list()
add <- function(statistic, by, level, estimate, se, deff, scale = 1) {
  estimate <- as.numeric(estimate) * scale
  se <- as.numeric(se) * scale
  if (statistic == "incidence") {
    # svyciprop(method = "logit") from the estimate and its SE
    centre <- log(estimate / (1 - estimate))
    half <- t_crit * se / (estimate * (1 - estimate))
    lower <- plogis(centre - half)
    upper <- plogis(centre + half)
  } else {
    half <- t_crit * se / estimate
    lower <- estimate * exp(-half)
    upper <- estimate * exp(half)
  }
  rows[[length(rows) + 1]] <<- data.frame(
    statistic = statistic, by = by, level = as.character(level), estimate = estimate, se = se,
    deff = as.numeric(deff), ci_lower = lower, ci_upper = upper
  )
}
incidence <- svymean(~injured, design, deff = TRUE)
add("incidence", "all", "all", coef(incidence), SE(incidence), deff(incidence))
rate <- svyratio(~n_episodes, ~person_years, design, deff = TRUE)
add("rate", "all", "all", coef(rate), SE(rate), deff(rate), scale = 1000)
for (by in c("sex", "age_group")) {
  by_formula <- as.formula(paste0("~", by))
  incidence <- svyby(~injured, by_formula, design, svymean, deff = TRUE)
  add("incidence", by, incidence[[by]], coef(incidence), SE(incidence), deff(incidence))
  rate <- svyby(
    ~n_episodes, by_formula, design, svyratio, denominator = ~person_years, deff = TRUE
  )
  add("rate", by, rate[[by]], coef(rate), SE(rate), deff(rate), scale = 1000)
}
table <- do.call(rbind, rows)
elapsed <- proc.time()[["elapsed"]] - started
table$seconds <- elapsed
write.csv(table, args[2], row.names = FALSE)
