package io.jcri.images.registry;

import io.jcri.images.reference.Reference;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** sha256 content addresses: "sha256:" + 64 lower-case hex digits. */
public final class Digests {
  private Digests() {}

  /**
   * libcrypto's SHA-256 where the system has it (see {@link NativeSha256}), the JDK's otherwise.
   */
  public static MessageDigest newSha256() {
    MessageDigest fast = NativeSha256.create();
    if (fast != null) {
      return fast;
    }
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String sha256(byte[] content) {
    return format(newSha256().digest(content));
  }

  public static String format(byte[] sum) {
    return "sha256:" + HexFormat.of().formatHex(sum);
  }

  /** The hex part, after checking the digest is a sha256 one (it becomes a file name). */
  public static String hex(String digest) {
    if (!Reference.isSha256(digest)) {
      throw new IllegalArgumentException("not a sha256 digest: " + digest);
    }
    return digest.substring("sha256:".length());
  }
}
