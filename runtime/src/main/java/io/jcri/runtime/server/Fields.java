package io.jcri.runtime.server;

import io.jcri.sys.Failure;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The rules the request checks share. Each failure is INVALID_ARGUMENT whose message starts with
 * the field's path in the request, as the CRI message spells it ({@code
 * port_mappings[0].host_port}).
 */
final class Fields {
  private static final Pattern IPV4 =
      Pattern.compile(
          "((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}"
              + "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
  private static final Pattern HEX_GROUP = Pattern.compile("[0-9a-fA-F]{1,4}");

  /**
   * The zone of a link-local IPv6 address ("fe80::1%eth0"), as a node's resolv.conf may have it.
   */
  private static final Pattern ZONE = Pattern.compile("%[A-Za-z0-9_.-]+$");

  private Fields() {}

  static Failure invalid(String field, String problem) {
    return Failure.invalid(field + " " + problem);
  }

  /**
   * value in double quotes, control characters escaped: a message stays one line, in the log too.
   */
  static String quoted(String value) {
    StringBuilder b = new StringBuilder(value.length() + 2).append('"');
    for (char c : value.toCharArray()) {
      switch (c) {
        case '\n' -> b.append("\\n");
        case '\t' -> b.append("\\t");
        case '"', '\\' -> b.append('\\').append(c);
        default ->
            b.append(c < ' ' || c == 0x7f ? String.format("\\u%04x", (int) c) : String.valueOf(c));
      }
    }
    return b.append('"').toString();
  }

  static void required(String field, String value) {
    if (value.isEmpty()) {
      throw invalid(field, "is required");
    }
  }

  static void range(String field, long value, long min, long max) {
    if (value < min || value > max) {
      throw invalid(field, value + " is outside " + min + "-" + max);
    }
  }

  static void absolute(String field, String path) {
    if (!path.startsWith("/")) {
      throw invalid(field, quoted(path) + " must be an absolute path");
    }
  }

  /** A path below a directory: relative, and not leaving it through "..". */
  static void relativeInside(String field, String path) {
    if (path.startsWith("/")) {
      throw invalid(field, quoted(path) + " must be a relative path");
    }
    if (Path.of(path).normalize().startsWith("..")) {
      throw invalid(field, quoted(path) + " leaves its directory");
    }
  }

  /**
   * A word of a line-based file (resolv.conf): no whitespace or control characters, which would
   * start a new entry.
   */
  static void word(String field, String value) {
    if (value.isEmpty() || value.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
      throw invalid(
          field, quoted(value) + " must be a non-empty word without spaces or control characters");
    }
  }

  static void ipLiteral(String field, String value) {
    if (!IPV4.matcher(value).matches() && !isIpv6(ZONE.matcher(value).replaceFirst(""))) {
      throw invalid(field, quoted(value) + " is not an IP address");
    }
  }

  /**
   * Eight hex groups, or fewer around one "::"; the last group may be an IPv4 address, counting as
   * two.
   */
  private static boolean isIpv6(String value) {
    int gap = value.indexOf("::");
    if (!value.contains(":") || gap != value.lastIndexOf("::")) {
      return false;
    }
    List<String> groups = new ArrayList<>();
    for (String side :
        gap < 0 ? List.of(value) : List.of(value.substring(0, gap), value.substring(gap + 2))) {
      if (!side.isEmpty()) {
        groups.addAll(List.of(side.split(":", -1)));
      }
    }
    int count = 0;
    for (int i = 0; i < groups.size(); i++) {
      if (i == groups.size() - 1 && IPV4.matcher(groups.get(i)).matches()) {
        count += 2;
      } else if (HEX_GROUP.matcher(groups.get(i)).matches()) {
        count++;
      } else {
        return false;
      }
    }
    return gap < 0 ? count == 8 : count < 8;
  }
}
