package io.jcri.it.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fixture itself: what it pushes is a valid image that skopeo and umoci accept. */
class RegistryFixtureIT {
  @Test
  void busyboxIsAValidImageThatUmociUnpacks() throws Exception {
    TestImages.busybox();
    String name = TestImages.busybox();
    Path work = Files.createTempDirectory("jcri-fixture");
    run(
        "skopeo",
        "copy",
        "--src-tls-verify=false",
        "docker://" + name,
        "oci:" + work.resolve("oci") + ":latest");
    run(
        "umoci",
        "unpack",
        "--image",
        work.resolve("oci") + ":latest",
        work.resolve("bundle").toString());
    Path rootfs = work.resolve("bundle/rootfs");
    assertTrue(Files.isSymbolicLink(rootfs.resolve("bin/ls")));
    assertEquals(
        Files.getAttribute(rootfs.resolve("bin/busybox"), "unix:ino"),
        Files.getAttribute(rootfs.resolve("bin/sh"), "unix:ino"),
        "sh is a hard link to busybox");
    assertTrue(Files.readString(rootfs.resolve("etc/passwd")).contains("jcri:x:1000:1000"));
    run("rm", "-rf", work.toString());
  }

  @Test
  void basicAuthRegistryRefusesAnonymousAndAcceptsThePushCredentials() throws Exception {
    LocalRegistry registry = LocalRegistry.withBasicAuth();
    TestImages.Pushed pushed =
        TestImages.image(registry, "private/one")
            .layer(TestImages.fileLayer("hello", "hi\n"))
            .push("v1");
    HttpResponse<Void> anonymous =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://" + registry.host() + "/v2/private/one/manifests/v1"))
                    .build(),
                HttpResponse.BodyHandlers.discarding());
    assertEquals(401, anonymous.statusCode());
    assertTrue(pushed.reference().endsWith("/private/one:v1"));
  }

  private static void run(String... argv) throws Exception {
    Process p = new ProcessBuilder(List.of(argv)).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(Duration.ofMinutes(2).toSeconds(), java.util.concurrent.TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), String.join(" ", argv) + ": " + out);
  }
}
