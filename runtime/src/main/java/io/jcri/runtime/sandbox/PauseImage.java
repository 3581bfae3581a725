package io.jcri.runtime.sandbox;

import io.jcri.images.Credentials;
import io.jcri.images.Image;
import io.jcri.images.ImageStore;
import io.jcri.runtime.config.ConfigDefaults;
import io.jcri.sys.Failure;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Logger;

/**
 * The image of infra containers: the configured one, rebuilt or pulled on first use when missing.
 */
public interface PauseImage {
  Image resolve();

  /** The image's snapshots, top first, for an overlay rootfs. */
  List<Path> lowerDirs(String imageId);

  /** The configured image in the store: the built-in one is made again, any other pulled. */
  static PauseImage from(ImageStore images, String name, Path pauseBinary) {
    Logger log = Logger.getLogger(PauseImage.class.getName());
    return new PauseImage() {
      @Override
      public Image resolve() {
        var present = images.find(name);
        if (present.isPresent()) {
          return present.get();
        }
        if (name.equals(ConfigDefaults.PAUSE_IMAGE)) {
          // someone removed the built-in image: make it again, it needs no registry
          try {
            return images.ensurePauseImage(name, pauseBinary);
          } catch (IOException e) {
            throw Failure.internal("rebuilding the pause image " + name + ": " + e.getMessage(), e);
          }
        }
        try {
          log.info("event=pause_image_pull image=" + name);
          return images.pull(name, Credentials.NONE);
        } catch (Exception e) {
          if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
          }
          throw new Failure(
              Failure.Kind.UNAVAILABLE,
              "RunPodSandbox: pause image "
                  + name
                  + " is not present and could not be pulled: "
                  + e.getMessage(),
              e);
        }
      }

      @Override
      public List<Path> lowerDirs(String imageId) {
        return images.lowerDirs(imageId);
      }
    };
  }
}
