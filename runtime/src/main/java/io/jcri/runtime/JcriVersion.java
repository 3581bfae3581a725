package io.jcri.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The project version, stamped into a resource at build time. */
public final class JcriVersion {
  public static final String VERSION = load();

  private JcriVersion() {}

  private static String load() {
    try (InputStream in = JcriVersion.class.getResourceAsStream("version.properties")) {
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version");
    } catch (IOException | NullPointerException e) {
      return "unknown";
    }
  }
}
