# Reference values for src/analysis/wilcoxon.ts: wilcox.test (signed rank; paired and one-sample)
# statistic V and p-value, exact and normal-approximation branches.
# Run from the repository root: Rscript test/r/wilcoxon.R [output-dir]
source(file.path("test", "r", "json.R"))

set.seed(20200213)
before55 <- round(rnorm(55, 1.6, 0.5), 4)
after55 <- round(before55 + rnorm(55, 0.1, 0.3), 4)
before60 <- round(rnorm(60, 1.6, 0.5), 1)
after60 <- round(before60 + rnorm(60, 0.1, 0.3), 1)
before49 <- round(rnorm(49, 10, 2), 5)
after49 <- round(before49 + rnorm(49, 0.3, 1), 5)

datasets <- list(
  list(name = "depression (R help)", x = c(1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30),
       y = c(0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29)),
  list(name = "lymphocytes day 0 vs 7", x = c(1.78, 2.01, 1.10, 1.95, 0.92, 1.66, 2.30),
       y = c(1.61, 1.52, 0.85, 1.70, 1.03, 1.39, 2.02)),
  list(name = "with ties", x = c(5, 7, 6, 8, 9, 7, 6, 10), y = c(3, 5, 4, 5, 6, 5, 7, 7)),
  list(name = "with zeros", x = c(2, 3, 3, 5, 6, 1, 4), y = c(2, 1, 3, 2, 2, 3, 1)),
  list(name = "single pair", x = c(3), y = c(1)),
  list(name = "all positive n=5", x = c(6, 7, 8, 9, 10), y = c(1, 1.5, 2, 2.5, 3)),
  list(name = "n=49 exact", x = after49, y = before49),
  list(name = "n=55 normal", x = after55, y = before55),
  list(name = "n=60 rounded (ties)", x = after60, y = before60),
  list(name = "one-sample mu=1.5", x = c(1.2, 1.9, 1.75, 2.4, 1.1, 1.65, 2.05, 1.3), mu = 1.5)
)

out <- list()
k <- 0
for (ds in datasets) for (alt in c("two.sided", "less", "greater")) for (exact in list(NULL, FALSE, TRUE))
  for (correct in c(TRUE, FALSE)) {
    mu <- if (is.null(ds$mu)) 0 else ds$mu
    res <- suppressWarnings(if (is.null(ds$y)) {
      wilcox.test(ds$x, mu = mu, alternative = alt, exact = exact, correct = correct)
    } else {
      wilcox.test(ds$x, ds$y, paired = TRUE, alternative = alt, exact = exact, correct = correct)
    })
    k <- k + 1
    out[[k]] <- list(name = sc(ds$name), x = ds$x, y = ds$y, mu = sc(mu), alternative = sc(alt),
                     exact = if (is.null(exact)) NULL else sc(exact), correct = sc(correct),
                     statistic = sc(unname(res$statistic)), pValue = sc(res$p.value),
                     method = sc(res$method))
  }

write_fixture(list(generator = sc("test/r/wilcoxon.R"), r = sc(R.version.string), tests = out), "wilcoxon.json")
