package io.jcri.sys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandTest {
  @Test
  void collectsExitCodeBothStreamsAndFeedsStdin() throws Exception {
    Command.Result r =
        Command.run(
            List.of("sh", "-c", "cat; echo oops >&2; exit 3"),
            Map.of("X", "1"),
            "hello".getBytes(StandardCharsets.UTF_8),
            Duration.ofSeconds(10));
    assertEquals(3, r.exitCode());
    assertEquals("hello", r.out());
    assertEquals("oops", r.err());
  }

  @Test
  void aSlowStartDoesNotHoldUpOtherStarts(@TempDir Path dir) throws Exception {
    // opening a FIFO for reading blocks until a writer comes: this start stays inside the spawn
    Path fifo = dir.resolve("fifo");
    LibC.INSTANCE.mkfifo(fifo.toString(), 0600);
    ProcessBuilder slow = new ProcessBuilder("true").redirectInput(fifo.toFile());
    CompletableFuture<Process> blocked =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return Command.start(slow);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            },
            Executors.newVirtualThreadPerTaskExecutor());
    Thread.sleep(200);
    assertFalse(blocked.isDone(), "the slow start is still opening its stdin");
    CompletableFuture<Command.Result> other =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return Command.run(List.of("true"), Duration.ofSeconds(5));
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            },
            Executors.newVirtualThreadPerTaskExecutor());
    try {
      assertEquals(0, other.get(5, TimeUnit.SECONDS).exitCode());
    } finally {
      Files.newOutputStream(fifo).close(); // a writer: the slow start goes on
    }
    assertEquals(0, blocked.get(5, TimeUnit.SECONDS).waitFor());
  }

  @Test
  void killsAProgramThatOverrunsItsTimeout() {
    long t0 = System.nanoTime();
    assertThrows(
        Command.TimeoutException.class,
        () -> Command.run(List.of("sleep", "30"), Duration.ofMillis(300)));
    assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
  }

  @Test
  void aWatcherGetsThePidAndIsInterruptedWhenTheProgramEnds() throws Exception {
    CompletableFuture<Long> watched = new CompletableFuture<>();
    CompletableFuture<Boolean> interrupted = new CompletableFuture<>();
    Command.Result r =
        Command.run(
            new ProcessBuilder("sh", "-c", "echo $$; sleep 0.2"),
            null,
            Duration.ofSeconds(10),
            pid -> {
              watched.complete(pid);
              try {
                Thread.sleep(10_000);
                interrupted.complete(false);
              } catch (InterruptedException e) {
                interrupted.complete(true);
              }
            });
    assertEquals(Long.parseLong(r.out().strip()), watched.get());
    assertTrue(interrupted.get(5, TimeUnit.SECONDS));
  }

  @Test
  void atomicWriteReplacesContentAndLeavesNoTempFile(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("rec.json");
    AtomicFiles.write(f, new byte[] {1});
    AtomicFiles.write(f, new byte[] {2, 3});
    assertArrayEquals(new byte[] {2, 3}, Files.readAllBytes(f));
    try (var s = Files.list(dir)) {
      assertEquals(1, s.count());
    }
  }
}
