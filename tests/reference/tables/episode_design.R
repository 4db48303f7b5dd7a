# The episode design of the report tables' golden values (sourced by reference_tables.R and
# reference_compositions.R): episode-level analyses are domain estimates on a design holding
# every sampled PSU. PSUs without a case episode get one placeholder row outside the domain
# (in_domain = 0), and subset() keeps their design information (Lumley 2010, section 2.3), as
# injury_survey's ReportData.episode_design does.
with_placeholder_psus <- function(persons, episodes) {
  psus <- unique(persons[, c("stratum_id", "psu_id")])
  empty <- psus[!paste(psus$stratum_id, psus$psu_id) %in%
                  paste(episodes$stratum_id, episodes$psu_id), ]
  episodes$in_domain <- 1
  if (nrow(empty) > 0) {
    filler <- episodes[rep(1, nrow(empty)), ]
    filler[] <- NA
    filler$stratum_id <- as.character(empty$stratum_id)
    filler$psu_id <- empty$psu_id
    filler$weight <- 1
    filler$in_domain <- 0
    episodes <- rbind(episodes, filler)
  }
  episodes
}
