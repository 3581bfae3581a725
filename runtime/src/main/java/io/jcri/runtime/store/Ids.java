package io.jcri.runtime.store;

import java.security.SecureRandom;
import java.util.HexFormat;

/** 64-hex IDs, as kubelet and crictl expect (they truncate them for display). */
public final class Ids {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Ids() {}

  public static String random() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
