package io.jcri.images.registry;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One WWW-Authenticate challenge: scheme ("bearer", "basic") and its parameters (realm, service,
 * scope).
 */
public record Challenge(String scheme, Map<String, String> params) {
  public Challenge {
    params = Map.copyOf(params);
  }

  public String param(String name) {
    return params.getOrDefault(name, "");
  }

  /**
   * Parses the first challenge of a header such as {@code Bearer
   * realm="https://auth.example/token",service="registry",scope="repository:a/b:pull"}; quoted
   * values may contain commas and escaped quotes. Null when the header is absent or empty.
   */
  public static Challenge parse(String header) {
    if (header == null || header.isBlank()) {
      return null;
    }
    String h = header.strip();
    int space = h.indexOf(' ');
    String scheme = (space < 0 ? h : h.substring(0, space)).toLowerCase(Locale.ROOT);
    Map<String, String> params = new LinkedHashMap<>();
    int i = space < 0 ? h.length() : space + 1;
    while (i < h.length()) {
      while (i < h.length() && (h.charAt(i) == ' ' || h.charAt(i) == ',')) {
        i++;
      }
      int eq = h.indexOf('=', i);
      if (eq < 0) {
        break;
      }
      String key = h.substring(i, eq).strip().toLowerCase(Locale.ROOT);
      i = eq + 1;
      StringBuilder value = new StringBuilder();
      if (i < h.length() && h.charAt(i) == '"') {
        i++;
        while (i < h.length() && h.charAt(i) != '"') {
          if (h.charAt(i) == '\\' && i + 1 < h.length()) {
            i++;
          }
          value.append(h.charAt(i++));
        }
        i++;
      } else {
        while (i < h.length() && h.charAt(i) != ',') {
          value.append(h.charAt(i++));
        }
      }
      params.put(key, value.toString().strip());
    }
    return new Challenge(scheme, params);
  }
}
