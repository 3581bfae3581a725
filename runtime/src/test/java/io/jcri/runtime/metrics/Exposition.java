package io.jcri.runtime.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict parser of Prometheus' text exposition format (0.0.4) for tests: every line must be a
 * HELP, TYPE or sample line; every sample must belong to a family TYPE'd before it, with the
 * suffixes its type allows; label values must be properly escaped; values must be numbers.
 */
public final class Exposition {
  private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") (.*)");
  private static final Pattern TYPE =
      Pattern.compile(
          "# TYPE ("
              + NAME
              + ") (counter|gauge|histogram|summary|untyped"
              + "|unknown|info|stateset|gaugehistogram)");
  private static final Pattern SAMPLE =
      Pattern.compile("(" + NAME + ")(\\{(.*)\\})? (\\S+)( -?[0-9]+)?");
  private static final Pattern LABEL =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"");

  public record Sample(String name, Map<String, String> labels, double value) {}

  private final Map<String, String> types = new HashMap<>();
  private final List<Sample> samples = new ArrayList<>();

  private Exposition() {}

  public static Exposition parse(String text) {
    Exposition e = new Exposition();
    if (!text.isEmpty() && !text.endsWith("\n")) {
      throw new IllegalArgumentException("the exposition must end with a newline");
    }
    int n = 0;
    for (String line : text.split("\n", -1)) {
      n++;
      if (line.isEmpty()) {
        continue;
      }
      e.line(n, line);
    }
    return e;
  }

  private void line(int n, String line) {
    Matcher m;
    if (line.startsWith("# HELP ")) {
      if (!HELP.matcher(line).matches()) {
        throw bad(n, line, "bad HELP line");
      }
    } else if (line.startsWith("# TYPE ")) {
      m = TYPE.matcher(line);
      if (!m.matches()) {
        throw bad(n, line, "bad TYPE line");
      }
      if (types.put(m.group(1), m.group(2)) != null) {
        throw bad(n, line, "family TYPE'd twice");
      }
    } else if (line.startsWith("#")) {
      return; // a comment
    } else if ((m = SAMPLE.matcher(line)).matches()) {
      String name = m.group(1);
      String family = family(name);
      if (family == null) {
        throw bad(n, line, "sample of no TYPE'd family");
      }
      Map<String, String> labels = new LinkedHashMap<>();
      if (m.group(3) != null && !m.group(3).isEmpty()) {
        String rest = m.group(3);
        Matcher l = LABEL.matcher(rest);
        int at = 0;
        while (at < rest.length()) {
          if (!l.find(at) || l.start() != at) {
            throw bad(n, line, "bad label at " + rest.substring(at));
          }
          if (labels.put(
                  l.group(1),
                  l.group(2).replace("\\\"", "\"").replace("\\n", "\n").replace("\\\\", "\\"))
              != null) {
            throw bad(n, line, "label repeated");
          }
          at = l.end();
          if (at < rest.length()) {
            if (rest.charAt(at) != ',') {
              throw bad(n, line, "labels not separated by commas");
            }
            at++;
          }
        }
      }
      if (types.get(family).equals("histogram")
          && name.endsWith("_bucket")
          && !labels.containsKey("le")) {
        throw bad(n, line, "bucket without le");
      }
      samples.add(new Sample(name, labels, number(n, line, m.group(4))));
    } else {
      throw bad(n, line, "neither a comment nor a sample");
    }
  }

  /** The TYPE'd family a sample name belongs to, given the suffixes each type allows. */
  private String family(String name) {
    if (types.containsKey(name)
        && !types.get(name).equals("histogram")
        && !types.get(name).equals("summary")) {
      return name;
    }
    for (String suffix : List.of("_total", "_created", "_bucket", "_sum", "_count", "_info")) {
      if (name.endsWith(suffix)) {
        String base = name.substring(0, name.length() - suffix.length());
        String type = types.get(base);
        if (type != null
            && switch (suffix) {
              case "_total" -> type.equals("counter");
              case "_bucket" -> type.equals("histogram");
              case "_sum", "_count" -> type.equals("histogram") || type.equals("summary");
              case "_info" -> type.equals("info");
              default -> true;
            }) {
          return base;
        }
      }
    }
    return types.containsKey(name) && types.get(name).equals("summary") ? name : null;
  }

  private static double number(int n, String line, String s) {
    return switch (s) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> {
        try {
          yield Double.parseDouble(s);
        } catch (NumberFormatException e) {
          throw bad(n, line, "value is not a number");
        }
      }
    };
  }

  private static IllegalArgumentException bad(int n, String line, String why) {
    return new IllegalArgumentException("line " + n + ": " + why + ": " + line);
  }

  public String type(String family) {
    return types.get(family);
  }

  public List<Sample> samples() {
    return List.copyOf(samples);
  }

  /**
   * The value of the one sample with this name and exactly these labels (plus any others); NaN when
   * none.
   */
  public double value(String name, Map<String, String> labels) {
    return samples.stream()
        .filter(s -> s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet()))
        .mapToDouble(Sample::value)
        .reduce(
            (a, b) -> {
              throw new IllegalStateException("more than one sample " + name + labels);
            })
        .orElse(Double.NaN);
  }
}
