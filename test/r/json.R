# Minimal JSON writer for the reference fixtures (jsonlite is not installed on the build machines).
# Atomic vectors are always written as arrays; wrap a value in sc() to write a single scalar.
# Numbers use 17 significant digits so every double round-trips exactly; NA/NaN -> null,
# Inf -> "Inf", -Inf -> "-Inf" (the TypeScript side maps these back).

sc <- function(x) structure(x, json_scalar = TRUE)

json_escape <- function(s) {
  s <- gsub("\\\\", "\\\\\\\\", s)
  s <- gsub("\"", "\\\\\"", s)
  s <- gsub("\n", "\\\\n", s)
  paste0("\"", s, "\"")
}

json_atom <- function(v) {
  if (is.character(v) || is.factor(v)) {
    v <- as.character(v)
    return(ifelse(is.na(v), "null", json_escape(v)))
  }
  if (is.logical(v)) return(ifelse(is.na(v), "null", ifelse(v, "true", "false")))
  if (is.numeric(v)) {
    out <- character(length(v))
    for (i in seq_along(v)) {
      x <- v[i]
      out[i] <- if (is.na(x)) "null" else if (is.infinite(x)) {
        if (x > 0) "\"Inf\"" else "\"-Inf\""
      } else if (x == round(x) && abs(x) < 1e15) sprintf("%.0f", x) else sprintf("%.17g", x)
    }
    return(out)
  }
  stop("unsupported type")
}

to_json <- function(x, indent = "") {
  inner <- paste0(indent, "  ")
  if (is.null(x)) return("null")
  if (is.list(x) && !is.data.frame(x)) {
    nms <- names(x)
    if (length(x) == 0) return(if (is.null(nms)) "[]" else "{}")
    parts <- vapply(seq_along(x), function(i) to_json(x[[i]], inner), "")
    if (is.null(nms)) {
      return(paste0("[\n", inner, paste(parts, collapse = paste0(",\n", inner)), "\n", indent, "]"))
    }
    keys <- vapply(nms, json_escape, "")
    body <- paste0(keys, ": ", parts)
    return(paste0("{\n", inner, paste(body, collapse = paste0(",\n", inner)), "\n", indent, "}"))
  }
  if (is.data.frame(x)) return(to_json(as.list(x), indent))
  atoms <- json_atom(x)
  if (isTRUE(attr(x, "json_scalar"))) {
    if (length(atoms) != 1) stop("sc() needs a single value")
    return(atoms)
  }
  paste0("[", paste(atoms, collapse = ", "), "]")
}

# Output folder: first command-line argument, else test/fixtures/r relative to the repository root.
fixture_dir <- function() {
  args <- commandArgs(trailingOnly = TRUE)
  dir <- if (length(args) >= 1) args[1] else file.path("test", "fixtures", "r")
  dir.create(dir, recursive = TRUE, showWarnings = FALSE)
  dir
}

write_fixture <- function(x, name) {
  path <- file.path(fixture_dir(), name)
  writeLines(to_json(x), path, useBytes = TRUE)
  invisible(path)
}
