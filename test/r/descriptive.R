# Reference values for src/analysis/descriptive.ts: quantile(type = 7), median and IQR.
# Run from the repository root: Rscript test/r/descriptive.R [output-dir]
source(file.path("test", "r", "json.R"))

set.seed(57)
samples <- list(
  list(name = "pilot ages", x = c(57, 43, 70, 65, 38, 49, 72)),
  list(name = "single", x = c(4.2)),
  list(name = "two", x = c(1, 10)),
  list(name = "ties", x = c(3, 1, 3, 3, 2, 5, 5, 1)),
  list(name = "lymphocytes", x = c(1.61, 1.78, 0.92, 1.10, 2.30, 1.95, 1.66, 1.39, 2.02, 0.85)),
  list(name = "random 101", x = round(rexp(101, 0.2), 3)),
  list(name = "negative and fractional", x = c(-2.5, 0.1, 0.2, -0.3, 7.75, 1e-3, 12, -8))
)
probs <- c(0, 0.05, 0.1, 0.25, 1 / 3, 0.5, 0.75, 0.9, 0.95, 1)
out <- lapply(samples, function(s) list(
  name = sc(s$name), x = s$x, probs = probs, quantile = unname(quantile(s$x, probs, type = 7)),
  median = sc(median(s$x)), iqr = sc(IQR(s$x)), q1 = sc(unname(quantile(s$x, 0.25))),
  q3 = sc(unname(quantile(s$x, 0.75)))
))
write_fixture(list(generator = sc("test/r/descriptive.R"), r = sc(R.version.string), samples = out),
              "descriptive.json")
