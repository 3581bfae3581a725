package io.jcri.images.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.security.MessageDigest;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DigestsTest {
  private static MessageDigest jdk() throws Exception {
    return MessageDigest.getInstance("SHA-256", "SUN");
  }

  @Test
  void onThisSystemTheDigestIsLibcrypto() {
    // the build machine and every node jcri runs on have libssl3; without it pulls hash 10x slower
    assertInstanceOf(NativeSha256.class, Digests.newSha256());
  }

  @Test
  void nativeSumsEqualTheJdkOnesForEveryShapeOfUpdate() throws Exception {
    Random random = new Random(42);
    for (int size : new int[] {0, 1, 55, 56, 63, 64, 65, 4096, 65_535, 65_536, 65_537, 300_001}) {
      byte[] data = new byte[size];
      random.nextBytes(data);
      MessageDigest fast = Digests.newSha256();
      MessageDigest reference = jdk();
      // uneven pieces, including empty ones and pieces that start inside the array
      int off = 0;
      while (off < size) {
        int n = Math.min(size - off, random.nextInt(70_000));
        fast.update(data, off, n);
        reference.update(data, off, n);
        off += n;
      }
      if (size > 0) {
        fast.update(data[0]);
        reference.update(data[0]);
      }
      assertArrayEquals(reference.digest(), fast.digest(), "size " + size);
    }
  }

  @Test
  void aDigestStartsOverAfterItsSum() throws Exception {
    MessageDigest fast = Digests.newSha256();
    fast.update(new byte[] {1, 2, 3});
    fast.digest();
    fast.update("abc".getBytes());
    assertEquals(
        "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        Digests.format(fast.digest()));
    fast.update("junk".getBytes());
    fast.reset();
    assertArrayEquals(jdk().digest(), fast.digest(), "reset drops what was fed");
  }
}
