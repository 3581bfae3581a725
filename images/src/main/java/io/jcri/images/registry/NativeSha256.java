package io.jcri.images.registry;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.security.MessageDigest;
import java.util.logging.Logger;

/**
 * SHA-256 computed by the system's libcrypto, which uses the CPU's SHA extensions. jcrid runs the
 * JIT's first tier only (a smaller, steadier footprint), where the JDK's SHA-256 is plain compiled
 * Java: about 120 MB/s against libcrypto's 1–2 GB/s here, and a pull hashes every layer twice
 * (compressed as fetched, uncompressed as unpacked).
 */
final class NativeSha256 extends MessageDigest {
  private static final Logger LOG = Logger.getLogger(NativeSha256.class.getName());
  // sizeof(SHA256_CTX) is 112 on every libcrypto; room to spare
  private static final int CONTEXT_SIZE = 128;
  private static final int CHUNK = 64 * 1024;
  private static final Crypto CRYPTO = load();

  /** The one-shot SHA-256 calls of libcrypto 3 (deprecated there for EVP, still exported). */
  interface Crypto extends Library {
    int SHA256_Init(Pointer context);

    int SHA256_Update(Pointer context, Pointer data, long length);

    int SHA256_Final(byte[] digest, Pointer context);
  }

  private final Memory context = new Memory(CONTEXT_SIZE);
  private Memory chunk;

  private NativeSha256() {
    super("SHA-256");
    engineReset();
  }

  /** A native digest when libcrypto is on the system, else null. */
  static MessageDigest create() {
    return CRYPTO == null ? null : new NativeSha256();
  }

  private static Crypto load() {
    try {
      return Native.load("crypto", Crypto.class);
    } catch (UnsatisfiedLinkError e) {
      LOG.info("event=native_sha256_unavailable reason=" + e.getMessage().replace(' ', '_'));
      return null;
    }
  }

  @Override
  protected void engineUpdate(byte input) {
    engineUpdate(new byte[] {input}, 0, 1);
  }

  @Override
  protected void engineUpdate(byte[] input, int offset, int length) {
    if (chunk == null) {
      chunk = new Memory(CHUNK);
    }
    for (int done = 0; done < length; ) {
      int n = Math.min(CHUNK, length - done);
      chunk.write(0, input, offset + done, n);
      CRYPTO.SHA256_Update(context, chunk, n);
      done += n;
    }
  }

  @Override
  protected byte[] engineDigest() {
    byte[] sum = new byte[32];
    CRYPTO.SHA256_Final(sum, context);
    engineReset();
    return sum;
  }

  @Override
  protected void engineReset() {
    CRYPTO.SHA256_Init(context);
  }
}
