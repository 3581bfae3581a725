package io.jcri.runtime.logging;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Splits a log message written as {@code key=value key="quoted value"} into its fields, in order.
 * Words that are not key=value pairs are returned under the key {@code msg}, joined by spaces.
 */
public final class EventFields {
  private EventFields() {}

  public static List<Map.Entry<String, String>> parse(String message) {
    List<Map.Entry<String, String>> fields = new ArrayList<>();
    StringBuilder loose = new StringBuilder();
    int i = 0;
    int n = message.length();
    while (i < n) {
      while (i < n && message.charAt(i) == ' ') {
        i++;
      }
      if (i >= n) {
        break;
      }
      int keyEnd = i;
      while (keyEnd < n && isKeyChar(message.charAt(keyEnd))) {
        keyEnd++;
      }
      if (keyEnd > i && keyEnd < n && message.charAt(keyEnd) == '=') {
        String key = message.substring(i, keyEnd);
        int start = keyEnd + 1;
        int end;
        String value;
        if (start < n && message.charAt(start) == '"') {
          end = closingQuote(message, start + 1);
          value = message.substring(start + 1, Math.min(end, n));
          end = Math.min(end + 1, n);
        } else {
          end = message.indexOf(' ', start);
          end = end < 0 ? n : end;
          value = message.substring(start, end);
        }
        fields.add(Map.entry(key, value));
        i = end;
      } else {
        int end = message.indexOf(' ', i);
        end = end < 0 ? n : end;
        loose.append(loose.isEmpty() ? "" : " ").append(message, i, end);
        i = end;
      }
    }
    if (!loose.isEmpty()) {
      fields.add(Map.entry("msg", loose.toString()));
    }
    return fields;
  }

  /**
   * The quote that closes a value (values may hold quotes themselves): the first one followed by
   * the end or by the next " key=", else the first one followed by a space.
   */
  private static int closingQuote(String s, int from) {
    int fallback = -1;
    for (int q = s.indexOf('"', from); q >= 0; q = s.indexOf('"', q + 1)) {
      if (q + 1 == s.length() || s.charAt(q + 1) == ' ' && startsPair(s, q + 2)) {
        return q;
      }
      if (fallback < 0 && s.charAt(q + 1) == ' ') {
        fallback = q;
      }
    }
    return fallback < 0 ? s.length() : fallback;
  }

  private static boolean startsPair(String s, int at) {
    int i = at;
    while (i < s.length() && isKeyChar(s.charAt(i))) {
      i++;
    }
    return i > at && i < s.length() && s.charAt(i) == '=';
  }

  private static boolean isKeyChar(char c) {
    return c >= 'a' && c <= 'z'
        || c >= 'A' && c <= 'Z'
        || c >= '0' && c <= '9'
        || c == '_'
        || c == '.'
        || c == '-';
  }
}
