# Golden values for the report tables' compositions in domains and cross-table cells, computed
# with R survey: the shares of every category of a variable, which injury_survey estimates in one
# call per variable (SurveyDesign.level_proportions), here one svyciprop per category indicator.
#
#   Rscript tests/reference/tables/reference_compositions.R
#
# Reads tables_persons.csv and tables_episodes.csv (the data of reference_tables.R) and writes
# expected_compositions.csv (quantity, key, value) with the R and survey versions in its first
# line. The episode design is that of reference_tables.R: every sampled PSU, those without a case
# episode as one placeholder row outside the domain; the analyses are domains of it (subset()).
suppressPackageStartupMessages(library(survey))
options(survey.lonely.psu = "fail")

here <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))
persons <- read.csv(file.path(here, "tables_persons.csv"), stringsAsFactors = FALSE)
episodes <- read.csv(file.path(here, "tables_episodes.csv"), stringsAsFactors = FALSE)
episodes$sex <- persons$sex[match(episodes$person_id, persons$person_id)]

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
# One category's share in a domain design: estimate, SE and the design effect against SRS without
# replacement from svymean(deff = TRUE) (exact; svyciprop's logit estimate comes from a glm fit,
# good to ~1e-8 only), the logit CI from svyciprop (t on the domain's degf) and that degf.
share <- function(design, indicator, key) {
  design <- update(design, is_code = as.numeric(indicator))
  m <- svymean(~is_code, design, deff = TRUE)
  p <- svyciprop(~is_code, design, method = "logit")
  add("estimate", key, unname(coef(m)))
  add("se", key, unname(SE(m)))
  add("deff", key, unname(deff(m)))
  add("ci_lower", key, as.numeric(attr(p, "ci")[1]))
  add("ci_upper", key, as.numeric(attr(p, "ci")[2]))
  add("df", key, degf(design))
}
with_values <- function(design) design$variables

# 1. Care-level composition by sex (svyby's domains are subsets of the episode domain).
for (sex in c(1, 2)) {
  part <- eval(bquote(subset(edes, sex == .(sex))))
  for (care in sort(unique(episodes$care_level[episodes$in_domain == 1]))) {
    share(part, with_values(part)$care_level == care, sprintf("care_by_sex|%d|%d", sex, care))
  }
}

# 2. Care-level composition among fall episodes (cause 3): a sub-domain of the episode design.
falls <- subset(edes, cause == 3)
for (care in sort(unique(episodes$care_level[episodes$in_domain == 1]))) {
  share(falls, with_values(falls)$care_level == care, sprintf("care_in_falls|%d", care))
}

# 3. Cause x place cells: the share of all episodes in each observed cell.
observed <- unique(episodes[episodes$in_domain == 1, c("cause", "place")])
for (i in seq_len(nrow(observed))) {
  r <- observed$cause[i]
  c <- observed$place[i]
  values <- with_values(edes)
  share(edes, values$cause == r & values$place == c, sprintf("cause_place|%d|%d", r, c))
}

result <- do.call(rbind, out)
path <- file.path(here, "expected_compositions.csv")
writeLines(sprintf("# %s, survey %s", R.version.string, packageVersion("survey")), path)
suppressWarnings(write.table(format(result, digits = 17), path, sep = ",", row.names = FALSE,
                             append = TRUE, quote = TRUE))
