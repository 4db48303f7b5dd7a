# Export the California API samples shipped with R's survey package (data(api); Lumley 2010) to
# CSV, for the published-example tests in test_against_r.py. Only the columns those tests use.
# Usage: Rscript export_api_data.R   (writes data/apistrat.csv and data/apiclus1.csv)
suppressPackageStartupMessages(library(survey))
data(api)
columns <- c("snum", "dnum", "stype", "pw", "fpc", "api00", "enroll", "api.stu")
out_dir <- file.path(dirname(sub("--file=", "", grep("--file=", commandArgs(), value = TRUE))),
                     "data")
write.csv(apistrat[, columns], file.path(out_dir, "apistrat.csv"), row.names = FALSE)
write.csv(apiclus1[, columns], file.path(out_dir, "apiclus1.csv"), row.names = FALSE)
# The published results the tests reproduce (survey package examples; Lumley 2010 ch. 2-3):
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
print(svymean(~api00, dstrat))
print(svytotal(~enroll, dstrat))
print(svymean(~api00, dclus1, deff = TRUE))
print(svyratio(~api.stu, ~enroll, dclus1))
cat("R", R.version.string, "survey", as.character(packageVersion("survey")), "\n")
