package io.jcri.runtime.server;

import io.jcri.cri.v1.ContainerMetrics;
import io.jcri.cri.v1.ContainerStats;
import io.jcri.cri.v1.Metric;
import io.jcri.cri.v1.MetricDescriptor;
import io.jcri.cri.v1.MetricType;
import io.jcri.cri.v1.NetworkInterfaceUsage;
import io.jcri.cri.v1.PodSandboxMetrics;
import io.jcri.cri.v1.PodSandboxStats;
import io.jcri.cri.v1.UInt64Value;
import io.jcri.runtime.container.Container;
import io.jcri.runtime.container.Containers;
import io.jcri.runtime.sandbox.Sandbox;
import io.jcri.runtime.sandbox.Sandboxes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * CRI metrics (ListMetricDescriptors, ListPodSandboxMetrics) in cAdvisor's names and units, so
 * kubelet with PodAndContainerStatsFromCRI needs no cAdvisor: each container's CPU, memory,
 * writable layer and OOM kills from its cgroup, each pod's network counters from its netns.
 */
final class CriMetrics {
  private static final List<String> CONTAINER_LABELS =
      List.of("container", "id", "image", "namespace", "pod");
  private static final List<String> NETWORK_LABELS =
      List.of("container", "id", "image", "interface", "namespace", "pod");

  private record Def(String name, String help, MetricType type, List<String> labels) {}

  private static final List<Def> DEFS =
      List.of(
          new Def(
              "container_cpu_usage_seconds_total",
              "Cumulative CPU time consumed, in whole seconds",
              MetricType.COUNTER,
              CONTAINER_LABELS),
          new Def(
              "container_memory_usage_bytes",
              "Current memory usage, including all memory regardless of when it was " + "accessed",
              MetricType.GAUGE,
              CONTAINER_LABELS),
          new Def(
              "container_memory_working_set_bytes",
              "Current working set",
              MetricType.GAUGE,
              CONTAINER_LABELS),
          new Def("container_memory_rss", "Size of RSS", MetricType.GAUGE, CONTAINER_LABELS),
          new Def(
              "container_fs_usage_bytes",
              "Bytes used by the container's writable layer",
              MetricType.GAUGE,
              CONTAINER_LABELS),
          new Def(
              "container_oom_events_total",
              "Count of out of memory events observed for the container",
              MetricType.COUNTER,
              CONTAINER_LABELS),
          new Def(
              "container_network_receive_bytes_total",
              "Cumulative count of bytes received",
              MetricType.COUNTER,
              NETWORK_LABELS),
          new Def(
              "container_network_receive_errors_total",
              "Cumulative count of errors encountered while receiving",
              MetricType.COUNTER,
              NETWORK_LABELS),
          new Def(
              "container_network_transmit_bytes_total",
              "Cumulative count of bytes transmitted",
              MetricType.COUNTER,
              NETWORK_LABELS),
          new Def(
              "container_network_transmit_errors_total",
              "Cumulative count of errors encountered while transmitting",
              MetricType.COUNTER,
              NETWORK_LABELS));
  private static final Map<String, Def> BY_NAME =
      DEFS.stream().collect(Collectors.toMap(Def::name, Function.identity()));

  private final Sandboxes sandboxes;
  private final Containers containers;
  private final PodStats stats;

  CriMetrics(Sandboxes sandboxes, Containers containers, PodStats stats) {
    this.sandboxes = sandboxes;
    this.containers = containers;
    this.stats = stats;
  }

  static List<MetricDescriptor> descriptors() {
    return DEFS.stream()
        .map(
            d ->
                MetricDescriptor.newBuilder()
                    .setName(d.name())
                    .setHelp(d.help())
                    .addAllLabelKeys(d.labels())
                    .build())
        .toList();
  }

  /** Every ready pod's metrics, measured now. */
  List<PodSandboxMetrics> all() {
    return sandboxes.all().stream().filter(Sandbox::ready).map(this::pod).toList();
  }

  private PodSandboxMetrics pod(Sandbox s) {
    PodSandboxStats podStats = stats.pod(s);
    String namespace = s.config().getMetadata().getNamespace();
    String podName = s.config().getMetadata().getName();
    PodSandboxMetrics.Builder out = PodSandboxMetrics.newBuilder().setPodSandboxId(s.id());
    var net = podStats.getLinux().getNetwork();
    List<NetworkInterfaceUsage> interfaces = new ArrayList<>();
    if (net.hasDefaultInterface()) {
      interfaces.add(net.getDefaultInterface());
    }
    net.getInterfacesList().stream()
        .filter(i -> !i.getName().equals(net.getDefaultInterface().getName()))
        .forEach(interfaces::add);
    for (NetworkInterfaceUsage i : interfaces) {
      List<String> labels = List.of("POD", s.id(), "", i.getName(), namespace, podName);
      add(out::addMetrics, "container_network_receive_bytes_total", labels, i.getRxBytes());
      add(out::addMetrics, "container_network_receive_errors_total", labels, i.getRxErrors());
      add(out::addMetrics, "container_network_transmit_bytes_total", labels, i.getTxBytes());
      add(out::addMetrics, "container_network_transmit_errors_total", labels, i.getTxErrors());
    }
    for (Container c : containers.inSandbox(s.id())) {
      out.addContainerMetrics(container(c, namespace, podName));
    }
    return out.build();
  }

  private ContainerMetrics container(Container c, String namespace, String podName) {
    ContainerStats cs = stats.container(c);
    var r = c.record().metadata();
    List<String> labels = List.of(r.name(), r.id(), r.imageName(), namespace, podName);
    ContainerMetrics.Builder out = ContainerMetrics.newBuilder().setContainerId(r.id());
    if (cs.hasCpu() && cs.getCpu().hasUsageCoreNanoSeconds()) {
      add(
          out::addMetrics,
          "container_cpu_usage_seconds_total",
          labels,
          UInt64Value.newBuilder()
              .setValue(cs.getCpu().getUsageCoreNanoSeconds().getValue() / 1_000_000_000L)
              .build());
    }
    if (cs.hasMemory()) {
      add(out::addMetrics, "container_memory_usage_bytes", labels, cs.getMemory().getUsageBytes());
      add(
          out::addMetrics,
          "container_memory_working_set_bytes",
          labels,
          cs.getMemory().getWorkingSetBytes());
      add(out::addMetrics, "container_memory_rss", labels, cs.getMemory().getRssBytes());
    }
    if (cs.hasWritableLayer()) {
      add(
          out::addMetrics,
          "container_fs_usage_bytes",
          labels,
          cs.getWritableLayer().getUsedBytes());
    }
    add(
        out::addMetrics,
        "container_oom_events_total",
        labels,
        UInt64Value.newBuilder().setValue(stats.oomEvents(c)).build());
    return out.build();
  }

  private static void add(
      java.util.function.Consumer<Metric> sink,
      String name,
      List<String> labels,
      UInt64Value value) {
    sink.accept(
        Metric.newBuilder()
            .setName(name)
            .setMetricType(BY_NAME.get(name).type())
            .addAllLabelValues(labels)
            .setValue(value)
            .build());
  }
}
