package io.jcri.runtime.server;

import io.jcri.images.ImageException;
import io.jcri.images.reference.Reference;
import io.jcri.sys.Failure;
import java.util.regex.Pattern;

/**
 * Image references of the ImageService requests and of CreateContainer, checked before the store is
 * asked.
 */
final class ImageChecks {
  /** An image ID or a unique prefix of one, which the store finds as well as references. */
  private static final Pattern ID_OR_PREFIX = Pattern.compile("(sha256:)?[0-9a-f]{3,64}");

  private ImageChecks() {}

  /**
   * A reference the registry could be asked for, or an image ID (or its prefix), as the store looks
   * them up.
   */
  static void reference(String field, String image) {
    String text = image.strip();
    if (text.isEmpty()) {
      throw Fields.invalid(field, "is required");
    }
    if (ID_OR_PREFIX.matcher(text).matches()) {
      return;
    }
    try {
      Reference.parse(text);
    } catch (ImageException e) {
      throw Failure.invalid(field + ": " + e.getMessage());
    }
  }
}
