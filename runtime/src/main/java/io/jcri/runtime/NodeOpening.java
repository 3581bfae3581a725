package io.jcri.runtime;

import io.jcri.cni.CniManager;
import io.jcri.cni.CniOptions;
import io.jcri.images.ImageStore;
import io.jcri.runtime.config.ConfigDefaults;
import io.jcri.runtime.config.JcriConfig;
import io.jcri.runtime.oci.OciOptions;
import io.jcri.runtime.reload.DaemonSettings;
import io.jcri.runtime.store.Layout;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The network config, the image store (with the pause image) and the node's security facts, opened
 * at once: they are independent.
 */
record NodeOpening(CniManager network, ImageStore images, OciOptions oci) {

  static NodeOpening open(JcriConfig config, Layout layout) throws Exception {
    try (ExecutorService opening = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<CniManager> cni =
          opening.submit(
              () ->
                  CniManager.open(
                      new CniOptions(
                          config.cni().confDir(),
                          config.cni().binDirs(),
                          layout.cniCache(),
                          config.cni().pluginTimeout(),
                          true)));
      Future<ImageStore> store =
          opening.submit(
              () -> {
                ImageStore opened =
                    ImageStore.open(config.root(), DaemonSettings.imageOptions(config));
                if (config.sandbox().pauseImage().equals(ConfigDefaults.PAUSE_IMAGE)) {
                  opened.ensurePauseImage(
                      config.sandbox().pauseImage(), config.sandbox().pauseBinary());
                }
                return opened;
              });
      OciOptions oci =
          OciOptions.defaults().withNodeConfig(config.cgroupDriver(), config.cdi().specDirs());
      CniManager network = opened(cni);
      ImageStore images = opened(store);
      images.setPinned(DaemonSettings.pinned(config));
      return new NodeOpening(network, images, oci);
    }
  }

  /** The result of an opening task, its own exception rethrown as it was. */
  private static <T> T opened(Future<T> task) throws Exception {
    try {
      return task.get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }
}
