package io.jcri.it.bench;

import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.PullImageRequest;
import io.jcri.cri.v1.RemoveImageRequest;
import io.jcri.it.Jcrid;
import io.jcri.it.registry.Layer;
import io.jcri.it.registry.LocalRegistry;
import io.jcri.it.registry.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Pull+unpack of a ~100 MiB, 5-layer image from a loopback registry: jcrid (PullImage) against
 * {@code skopeo copy} + {@code umoci unpack} of the same image. Not a test; run its main (see
 * docs/performance.md for the command line). Args: [runs, default 5] [images.max_parallel_layers,
 * default 3].
 */
public final class PullBenchmark {
  private static final int LAYERS = 5;
  private static final int FILES_PER_LAYER = 20;
  private static final int FILE_BYTES = 1 << 20;

  private PullBenchmark() {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int parallelLayers = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    String ref = pushBigImage(LocalRegistry.shared());

    List<Double> jcri = new ArrayList<>();
    List<Double> jcriCpu = new ArrayList<>();
    List<Double> jcriRemove = new ArrayList<>();
    try (Jcrid d = Jcrid.start("[images]\nmax_parallel_layers = " + parallelLayers + "\n")) {
      ImageSpec spec = ImageSpec.newBuilder().setImage(ref).build();
      for (int i = 0; i < runs; i++) {
        long cpu0 = cpuMillis(d.pid());
        long t0 = System.nanoTime();
        d.images().pullImage(PullImageRequest.newBuilder().setImage(spec).build());
        jcri.add((System.nanoTime() - t0) / 1e9);
        jcriCpu.add((cpuMillis(d.pid()) - cpu0) / 1e3);
        long r0 = System.nanoTime();
        d.images().removeImage(RemoveImageRequest.newBuilder().setImage(spec).build());
        jcriRemove.add((System.nanoTime() - r0) / 1e9);
      }
      // the daemon's own account of the last pull: one line per layer, the image, then the
      // per-step breakdown of the last PullImage and RemoveImage
      List<String> lines =
          d.log()
              .lines()
              .filter(l -> l.contains("event=layer_pulled") || l.contains("event=image_pulled"))
              .toList();
      lines
          .subList(Math.max(0, lines.size() - LAYERS - 1), lines.size())
          .forEach(System.out::println);
      for (String rpc : List.of("rpc=PullImage ", "rpc=RemoveImage ")) {
        d.log()
            .lines()
            .filter(l -> l.contains(rpc))
            .reduce((a, b) -> b)
            .ifPresent(System.out::println);
      }
    }
    List<Double> skopeoUmoci = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      Path work = Files.createTempDirectory("jcri-bench");
      long t0 = System.nanoTime();
      run(
          "skopeo",
          "copy",
          "--quiet",
          "--src-tls-verify=false",
          "docker://" + ref,
          "oci:" + work.resolve("oci") + ":v1");
      run(
          "umoci",
          "unpack",
          "--image",
          work.resolve("oci") + ":v1",
          work.resolve("bundle").toString());
      skopeoUmoci.add((System.nanoTime() - t0) / 1e9);
      run("rm", "-rf", work.toString());
    }
    System.out.println("jcrid PullImage (pull+unpack)  : " + summary(jcri));
    System.out.println("  jcrid CPU (user+sys) per pull: " + summary(jcriCpu));
    System.out.println("  jcrid RemoveImage after each : " + summary(jcriRemove));
    System.out.println("skopeo copy + umoci unpack    : " + summary(skopeoUmoci));
  }

  /**
   * Builds the 5-layer image (100 MiB uncompressed) and pushes it as bench/big:v1; returns its
   * reference.
   */
  public static String pushBigImage(LocalRegistry registry) {
    TestImages.ImageBuilder image = TestImages.image(registry, "bench/big");
    long blobBytes = 0;
    Random random = new Random(42);
    for (int l = 0; l < LAYERS; l++) {
      Layer.Builder b = Layer.builder().dir("data" + l, 0755);
      for (int f = 0; f < FILES_PER_LAYER; f++) {
        b.file("data" + l + "/f" + f, 0644, content(random, f));
      }
      Layer layer = b.build();
      blobBytes += layer.blob().length;
      image.layer(layer);
    }
    String ref = image.push("v1").reference();
    System.out.printf(
        "image %s: %d layers, %.1f MiB uncompressed, %.1f MiB compressed%n",
        ref,
        LAYERS,
        LAYERS * FILES_PER_LAYER * (double) FILE_BYTES / (1 << 20),
        blobBytes / (double) (1 << 20));
    return ref;
  }

  /** Half random bytes, half text: compresses roughly like real binaries and data. */
  private static byte[] content(Random random, int seed) {
    byte[] bytes = new byte[FILE_BYTES];
    random.nextBytes(bytes);
    byte[] text = ("line " + seed + " of some repetitive text in a benchmark file\n").getBytes();
    for (int i = FILE_BYTES / 2; i < FILE_BYTES; i++) {
      bytes[i] = text[i % text.length];
    }
    return bytes;
  }

  private static String summary(List<Double> seconds) {
    List<Double> sorted = new ArrayList<>(seconds);
    Collections.sort(sorted);
    return String.format(
        "median %.2f s, min %.2f s, max %.2f s over %d runs %s",
        sorted.get(sorted.size() / 2), sorted.getFirst(), sorted.getLast(), sorted.size(), seconds);
  }

  /** User + system CPU of a process so far, from /proc/PID/stat (clock ticks of 10 ms). */
  private static long cpuMillis(long pid) throws java.io.IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
  }

  private static void run(String... argv) throws Exception {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", argv) + " failed: " + out);
    }
  }
}
