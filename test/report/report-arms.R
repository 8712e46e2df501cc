# Reference values for test/report/report-arms.test.ts: the by-arm analyses of the report, by R.
# Usage: Rscript test/report/report-arms.R ttci.csv ae.csv output.json
# ttci.csv: time, event, arm, stratum; ae.csv: category, x1, n1, x2, n2 (arm minus reference arm).
suppressPackageStartupMessages(library(survival))
source(file.path("test", "r", "json.R"))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE)
d$arm <- factor(d$arm)

# With strata survdiff keeps obs (and exp) per stratum in columns; the report sums them over strata.
summed <- function(x) if (is.matrix(x)) as.numeric(rowSums(x)) else as.numeric(x)
tests <- function(sd, cx) {
  s <- summary(cx)
  list(
    survdiff = list(n = as.numeric(sd$n), obs = summed(sd$obs), exp = summed(sd$exp),
                    chisq = sc(sd$chisq), pValue = sc(pchisq(sd$chisq, length(unique(d$arm)) - 1, lower.tail = FALSE))),
    cox = list(coef = unname(coef(cx)), se = unname(sqrt(diag(vcov(cx)))), hr = unname(s$conf.int[, 1]),
               lower = unname(s$conf.int[, 3]), upper = unname(s$conf.int[, 4]),
               pValue = unname(s$coefficients[, 5]), lrPValue = sc(unname(s$logtest["pvalue"])),
               scorePValue = sc(unname(s$sctest["pvalue"])))
  )
}
plain <- tests(survdiff(Surv(time, event) ~ arm, data = d), coxph(Surv(time, event) ~ arm, data = d, ties = "efron"))
stratified <- tests(survdiff(Surv(time, event) ~ arm + strata(stratum), data = d),
                    coxph(Surv(time, event) ~ arm + strata(stratum), data = d, ties = "efron"))
fits <- list()
for (level in levels(d$arm)) {
  km <- survfit(Surv(time, event) ~ 1, data = d[d$arm == level, ])
  med <- survival:::survmean(km, rmean = "none")$matrix
  fits[[level]] <- list(n = sc(km$n), events = sc(sum(km$n.event)), time = km$time, surv = km$surv,
                        lower = km$lower, upper = km$upper, median = sc(unname(med["median"])),
                        medianLower = sc(unname(med[length(med) - 1])), medianUpper = sc(unname(med[length(med)])))
}

wilson <- function(x, n) suppressWarnings(prop.test(x, n, correct = FALSE)$conf.int)
a <- read.csv(args[2], stringsAsFactors = FALSE)
differences <- lapply(seq_len(nrow(a)), function(i) {
  r <- a[i, ]
  w1 <- wilson(r$x1, r$n1); w2 <- wilson(r$x2, r$n2)
  p1 <- r$x1 / r$n1; p2 <- r$x2 / r$n2; diff <- p1 - p2
  list(category = sc(r$category), difference = sc(diff),
       lower = sc(diff - sqrt((p1 - w1[1])^2 + (w2[2] - p2)^2)),
       upper = sc(diff + sqrt((w1[2] - p1)^2 + (p2 - w2[1])^2)),
       clopperPearson1 = binom.test(r$x1, r$n1)$conf.int[1:2], clopperPearson2 = binom.test(r$x2, r$n2)$conf.int[1:2])
})

out <- list(
  levels = levels(d$arm),
  survdiff = plain$survdiff, cox = plain$cox, stratified = stratified,
  km = fits,
  differences = differences
)
writeLines(to_json(out), args[3])
