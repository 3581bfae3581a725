package io.jcri.runtime.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcri.sys.ProcessExits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A conmon that is gone without an exit file is a ConmonDied exit; one with an exit file is not.
 */
class ConmonDeathsTest {
  @TempDir Path dir;

  @Test
  void aDeadMonitorFoundBeforeTheConsumerIsSetIsReportedOnceItIs() throws Exception {
    ConmonFiles files = new ConmonFiles(dir.resolve("exits"), dir.resolve("conmon"), dir);
    ConmonDeaths deaths =
        new ConmonDeaths(
            files,
            new ExitWatcher(files.exitDir, files.persistDir),
            new RuncClient(files.persistDir),
            ProcessExits.start("test-conmon-deaths"));
    OciRuntime rt = new OciRuntime("true", Path.of("/bin/true"), dir.resolve("runtime"));
    // "dead": its pid file names a process that is not conmon; "done": conmon wrote its exit
    for (String id : List.of("dead", "done")) {
      Files.createDirectories(files.dir(id));
      Files.writeString(files.pidFile(id), Long.toString(ProcessHandle.current().pid()));
    }
    Files.createDirectories(files.exitDir);
    Files.writeString(files.exitDir.resolve("done"), "0");
    deaths.watch(rt, "dead");
    deaths.watch(rt, "done");
    Map<String, Exit> reported = new ConcurrentHashMap<>();
    deaths.reportTo(reported::put);
    assertEquals(List.of("dead"), List.copyOf(reported.keySet()));
    Exit exit = reported.get("dead");
    assertTrue(exit.monitorDied());
    assertEquals(Exit.UNKNOWN_CODE, exit.code());
  }
}
