package io.jcri.images.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcri.images.Credentials;
import io.jcri.images.ImageOptions;
import io.jcri.images.RegistryHost;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChallengeTest {
  @Test
  void bearerWithQuotedCommas() {
    Challenge c =
        Challenge.parse(
            "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                + "scope=\"repository:library/busybox:pull,push\"");
    assertEquals("bearer", c.scheme());
    assertEquals("https://auth.docker.io/token", c.param("realm"));
    assertEquals("registry.docker.io", c.param("service"));
    assertEquals("repository:library/busybox:pull,push", c.param("scope"));
  }

  @Test
  void basicWithUnquotedRealmAndEscapes() {
    Challenge c = Challenge.parse("Basic realm=jcri-test, charset=\"UTF\\\"-8\"");
    assertEquals("basic", c.scheme());
    assertEquals("jcri-test", c.param("realm"));
    assertEquals("UTF\"-8", c.param("charset"));
    assertNull(Challenge.parse(""));
  }

  @Test
  void authFileMatchesHostsAndUrls(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("auth.json");
    Files.writeString(
        f,
        """
        {"auths": {"https://index.docker.io/v1/": {"auth": "dTpw"},
                   "127.0.0.1:5000": {"username": "a", "password": "b"}}}""");
    AuthFile auth = new AuthFile(f);
    assertEquals("u:p", auth.lookup("docker.io").userColonPassword());
    assertEquals("a:b", auth.lookup("127.0.0.1:5000").userColonPassword());
    assertTrue(auth.lookup("quay.io").isEmpty());
    assertFalse(Credentials.basic("x", "secret").toString().contains("secret"));
  }

  @Test
  void endpointsPutMirrorsFirstAndUseHttpForLoopbackOnly() {
    ImageOptions o =
        new ImageOptions(
            Map.of(
                "gcr.io",
                new RegistryHost(List.of(URI.create("http://localhost:5000/")), false),
                "insecure.example",
                new RegistryHost(List.of(), true)),
            null,
            "linux",
            "amd64",
            "",
            java.time.Duration.ofSeconds(5),
            2);
    RegistryClient client = new RegistryClient(o);
    List<RegistryClient.Endpoint> gcr = client.endpoints("gcr.io");
    assertEquals(URI.create("http://localhost:5000"), gcr.get(0).base());
    assertTrue(gcr.get(0).mirror());
    assertEquals(URI.create("https://gcr.io"), gcr.get(1).base());
    assertEquals(
        URI.create("http://127.0.0.1:5000"), client.endpoints("127.0.0.1:5000").getFirst().base());
    assertEquals(URI.create("http://[::1]:5000"), client.endpoints("[::1]:5000").getFirst().base());
    assertEquals(
        URI.create("https://registry-1.docker.io"),
        client.endpoints("docker.io").getFirst().base());
    List<RegistryClient.Endpoint> insecure = client.endpoints("insecure.example");
    assertTrue(insecure.get(0).unverifiedTls());
    assertEquals("http", insecure.get(1).base().getScheme());
    assertFalse(RegistryClient.isLoopback("example.com:5000"));
  }
}
