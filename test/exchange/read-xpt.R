# Reads SAS transport files with haven::read_xpt and prints, as JSON, each file's data set label and
# every column's name, label, type and values: the independent reader our XPORT writer is checked against.
# Usage: Rscript test/exchange/read-xpt.R FILE.xpt [FILE.xpt ...]
script_dir <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1]))
source(file.path(script_dir, "..", "r", "json.R"))
suppressPackageStartupMessages(library(haven))

files <- commandArgs(trailingOnly = TRUE)
out <- lapply(files, function(path) {
  data <- read_xpt(path)
  columns <- lapply(names(data), function(name) {
    column <- data[[name]]
    label <- attr(column, "label")
    list(
      name = sc(name),
      label = sc(if (is.null(label)) "" else label),
      type = sc(if (is.numeric(column)) "num" else "char"),
      # haven reads blank character values as "", missing numbers as NA (written as null).
      values = if (is.numeric(column)) as.numeric(column) else as.character(column)
    )
  })
  label <- attr(data, "label")
  list(file = sc(basename(path)), label = sc(if (is.null(label)) "" else label),
       rows = sc(nrow(data)), columns = columns)
})
# Text is UTF-8 whatever the locale: written as bytes, so a C locale does not turn 发 into <U+53D1>.
writeLines(to_json(out), con = stdout(), useBytes = TRUE)
