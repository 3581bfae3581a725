package io.jcri.runtime.container;

import io.jcri.cri.v1.Signal;
import io.jcri.sys.LibC;
import java.util.Locale;
import java.util.Map;

/**
 * Signal names of image configs (STOPSIGNAL) and of the CRI's Signal enum ↔ Linux signal numbers.
 */
final class Signals {
  static final int SIGTERM = LibC.SIGTERM;
  static final int SIGKILL = LibC.SIGKILL;

  /**
   * glibc's SIGRTMIN (the kernel's 32 and 33 are taken by the threading library), as container
   * engines use.
   */
  private static final int RTMIN = 34;

  private static final int RTMAX = 64;
  private static final Map<String, Integer> NUMBERS =
      Map.ofEntries(
          Map.entry("HUP", 1),
          Map.entry("INT", 2),
          Map.entry("QUIT", 3),
          Map.entry("ILL", 4),
          Map.entry("TRAP", 5),
          Map.entry("ABRT", 6),
          Map.entry("IOT", 6),
          Map.entry("BUS", 7),
          Map.entry("FPE", 8),
          Map.entry("KILL", 9),
          Map.entry("USR1", 10),
          Map.entry("SEGV", 11),
          Map.entry("USR2", 12),
          Map.entry("PIPE", 13),
          Map.entry("ALRM", 14),
          Map.entry("TERM", 15),
          Map.entry("STKFLT", 16),
          Map.entry("CHLD", 17),
          Map.entry("CLD", 17),
          Map.entry("CONT", 18),
          Map.entry("STOP", 19),
          Map.entry("TSTP", 20),
          Map.entry("TTIN", 21),
          Map.entry("TTOU", 22),
          Map.entry("URG", 23),
          Map.entry("XCPU", 24),
          Map.entry("XFSZ", 25),
          Map.entry("VTALRM", 26),
          Map.entry("PROF", 27),
          Map.entry("WINCH", 28),
          Map.entry("IO", 29),
          Map.entry("POLL", 29),
          Map.entry("PWR", 30),
          Map.entry("SYS", 31));

  private Signals() {}

  /**
   * The number of a signal given as "SIGTERM", "TERM", "15", "SIGRTMIN+1" or as the CRI enum spells
   * it ("SIGRTMINPLUS1"); SIGTERM when empty, unknown or not a number from 1 to 64.
   */
  static int number(String signal) {
    if (signal == null || signal.isBlank()) {
      return SIGTERM;
    }
    String s = signal.trim().toUpperCase(Locale.ROOT);
    if (s.chars().allMatch(Character::isDigit)) {
      int n = s.length() <= 2 ? Integer.parseInt(s) : 0;
      return n >= 1 && n <= RTMAX ? n : SIGTERM;
    }
    s = s.startsWith("SIG") ? s.substring(3) : s;
    s = s.replace("PLUS", "+").replace("MINUS", "-");
    try {
      if (s.startsWith("RTMIN")) {
        return RTMIN + (s.length() == 5 ? 0 : Integer.parseInt(s.substring(5)));
      }
      if (s.startsWith("RTMAX")) {
        return RTMAX + (s.length() == 5 ? 0 : Integer.parseInt(s.substring(5)));
      }
    } catch (NumberFormatException e) {
      return SIGTERM;
    }
    return NUMBERS.getOrDefault(s, SIGTERM);
  }

  /**
   * The CRI's name of a signal number: the first enum constant with that number (SIGABRT, not
   * SIGIOT).
   */
  static Signal cri(int number) {
    for (Signal s : Signal.values()) {
      if (s != Signal.RUNTIME_DEFAULT && s != Signal.UNRECOGNIZED && number(s.name()) == number) {
        return s;
      }
    }
    return Signal.SIGTERM;
  }
}
