package io.jcri.runtime.server;

import io.jcri.cri.v1.ContainerAttributes;
import io.jcri.cri.v1.ContainerStats;
import io.jcri.cri.v1.PodSandboxAttributes;
import io.jcri.cri.v1.PodSandboxStats;
import io.jcri.runtime.container.Container;
import io.jcri.runtime.container.Containers;
import io.jcri.runtime.sandbox.Sandbox;
import io.jcri.runtime.stats.StatsCollector;
import io.jcri.runtime.store.Layout;
import java.nio.file.Path;
import java.util.List;

/** Feeds the stats collector what it needs to know of jcri's pods and containers. */
public final class PodStats {
  private final StatsCollector collector;
  private final Containers containers;
  private final Layout layout;
  private final String imageFsMountpoint;

  public PodStats(StatsCollector collector, Containers containers, Layout layout, Path imageFs) {
    this.collector = collector;
    this.layout = layout;
    this.containers = containers;
    this.imageFsMountpoint = imageFs.toString();
  }

  ContainerStats container(Container c) {
    var r = c.record();
    ContainerAttributes attributes =
        ContainerAttributes.newBuilder()
            .setId(r.id())
            .setMetadata(CriViews.metadata(r))
            .putAllLabels(c.config().getLabelsMap())
            .putAllAnnotations(c.config().getAnnotationsMap())
            .build();
    return collector.container(
        r.id(),
        attributes,
        c.running() ? r.metadata().pid() : 0,
        layout.writableLayer(r.id()),
        imageFsMountpoint);
  }

  /**
   * OOM kills in the container's cgroup while it runs; once it exited, 1 when the OOM killer ended
   * it.
   */
  long oomEvents(Container c) {
    var r = c.record();
    if (c.running()) {
      return collector.oomKills(r.metadata().pid());
    }
    return "OOMKilled".equals(r.status().reason()) ? 1 : 0;
  }

  PodSandboxStats pod(Sandbox s) {
    var r = s.record();
    List<Container> members = containers.inSandbox(r.id());
    PodSandboxAttributes attributes =
        PodSandboxAttributes.newBuilder()
            .setId(r.id())
            .setMetadata(CriViews.metadata(r))
            .putAllLabels(s.config().getLabelsMap())
            .putAllAnnotations(s.config().getAnnotationsMap())
            .build();
    List<Integer> pids =
        members.stream().filter(Container::running).map(c -> c.record().metadata().pid()).toList();
    return collector.pod(
        attributes,
        r.metadata().cgroupParent(),
        pids,
        r.metadata().netnsPath().isEmpty() ? null : Path.of(r.metadata().netnsPath()),
        members.stream().map(this::container).toList());
  }
}
