# Reference values for src/analysis/risk-difference.ts: Wilson score intervals (prop.test without
# continuity correction) and Newcombe's hybrid score interval for p1 - p2 (method 10 of Newcombe 1998),
# combined from the prop.test limits by the paper's formula; no package outside base R computes it.
# Run from the repository root: Rscript test/r/risk-difference.R [output-dir]
source(file.path("test", "r", "json.R"))

wilson <- function(x, n, level) {
  if (x == 0 && n == 0) stop("n must be positive")
  suppressWarnings(prop.test(x, n, correct = FALSE, conf.level = level)$conf.int)
}

# Newcombe (1998) Table II examples (a)-(h), then the edges and a spread of arm sizes.
pairs <- rbind(
  c(56, 70, 48, 80), c(9, 10, 3, 10), c(6, 7, 2, 7), c(5, 56, 0, 29), c(0, 10, 0, 20), c(0, 10, 0, 10),
  c(10, 10, 0, 20), c(10, 10, 0, 10),
  c(0, 1, 1, 1), c(1, 1, 1, 1), c(3, 4, 0, 2), c(12, 60, 7, 30), c(1, 200, 9, 100), c(150, 300, 40, 150),
  c(33, 45, 45, 45), c(2, 3, 17, 19)
)
rows <- list()
for (level in c(0.95, 0.9, 0.99)) {
  for (i in seq_len(nrow(pairs))) {
    x1 <- pairs[i, 1]; n1 <- pairs[i, 2]; x2 <- pairs[i, 3]; n2 <- pairs[i, 4]
    w1 <- wilson(x1, n1, level); w2 <- wilson(x2, n2, level)
    p1 <- x1 / n1; p2 <- x2 / n2; d <- p1 - p2
    rows[[length(rows) + 1]] <- list(
      x1 = sc(x1), n1 = sc(n1), x2 = sc(x2), n2 = sc(n2), confLevel = sc(level),
      wilson1 = c(w1[1], w1[2]), wilson2 = c(w2[1], w2[2]), difference = sc(d),
      lower = sc(d - sqrt((p1 - w1[1])^2 + (w2[2] - p2)^2)),
      upper = sc(d + sqrt((w1[2] - p1)^2 + (p2 - w2[1])^2))
    )
  }
}

write_fixture(list(generator = sc("test/r/risk-difference.R"), r = sc(R.version.string),
                   newcombe = rows), "risk-difference.json")
