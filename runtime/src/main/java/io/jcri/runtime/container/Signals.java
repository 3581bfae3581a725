package io.jcri.runtime.container;

import java.util.Locale;
import java.util.Map;

/** Signal names of image configs (STOPSIGNAL) and CRI → numbers. */
final class Signals {
  private static final Map<String, Integer> NUMBERS = Map.ofEntries(
      Map.entry("HUP", 1), Map.entry("INT", 2), Map.entry("QUIT", 3), Map.entry("KILL", 9), Map.entry("USR1", 10),
      Map.entry("USR2", 12), Map.entry("PIPE", 13), Map.entry("ALRM", 14), Map.entry("TERM", 15),
      Map.entry("CHLD", 17), Map.entry("CONT", 18), Map.entry("STOP", 19), Map.entry("TSTP", 20),
      Map.entry("WINCH", 28), Map.entry("PWR", 30));

  private Signals() {}

  /** The number of a signal given as "SIGTERM", "TERM" or "15"; SIGTERM when empty or unknown. */
  static int number(String signal) {
    if (signal == null || signal.isBlank()) {
      return 15;
    }
    String s = signal.trim().toUpperCase(Locale.ROOT);
    if (s.chars().allMatch(Character::isDigit)) {
      return Integer.parseInt(s);
    }
    if (s.startsWith("SIG")) {
      s = s.substring(3);
    }
    if (s.startsWith("RTMIN+")) {
      return 34 + Integer.parseInt(s.substring(6));
    }
    return NUMBERS.getOrDefault(s, 15);
  }
}
