package io.jcri.it.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where jcrid's time goes, from its own log: every line with an event and a duration (ms=), grouped
 * by event (helper execs by program, runc verb or CNI command), with count, p50 and sum.
 */
public final class LogBreakdown {
  private static final Pattern EVENT = Pattern.compile("event=(\\S+)");
  private static final Pattern PHASE = Pattern.compile(" phase=(\\S+)");
  private static final Pattern MS = Pattern.compile(" ms=(\\d+)");
  private static final Pattern ARGV =
      Pattern.compile("argv=(\\S+)(.*?) (?:cni_command=(\\S+) )?exit=");
  private static final List<String> RUNC_VERBS =
      List.of(
          "create",
          "start",
          "kill",
          "delete",
          "exec",
          "state",
          "update",
          "pause",
          "resume",
          "features",
          "ps");

  private LogBreakdown() {}

  public static void print(String log) {
    Map<String, List<Long>> byStep = new TreeMap<>();
    for (String line : log.lines().toList()) {
      Matcher event = EVENT.matcher(line);
      Matcher ms = MS.matcher(line);
      if (event.find() && ms.find()) {
        byStep
            .computeIfAbsent(step(event.group(1), line), k -> new ArrayList<>())
            .add(Long.parseLong(ms.group(1)));
      }
    }
    System.out.println("| jcrid log event | n | p50 ms | total ms |");
    System.out.println("|---|---|---|---|");
    byStep.forEach(
        (step, values) -> {
          Collections.sort(values);
          System.out.printf(
              "| %s | %d | %d | %d |%n",
              step,
              values.size(),
              values.get((values.size() - 1) / 2),
              values.stream().mapToLong(Long::longValue).sum());
        });
  }

  private static String step(String event, String line) {
    Matcher argv = ARGV.matcher(line);
    Matcher phase = PHASE.matcher(line);
    if (phase.find()) {
      return event + " " + phase.group(1);
    }
    if (!event.equals("command_done") || !argv.find()) {
      return event;
    }
    String program = argv.group(1).substring(argv.group(1).lastIndexOf('/') + 1);
    if (argv.group(3) != null) {
      return "exec " + program + " " + argv.group(3);
    }
    for (String word : argv.group(2).strip().split(" ")) {
      if (RUNC_VERBS.contains(word)) {
        return "exec " + program + " " + word;
      }
    }
    return "exec " + program;
  }
}
