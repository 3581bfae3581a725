package io.jcri.cni;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kubernetes.io/ingress-bandwidth and egress-bandwidth annotations: Kubernetes quantities
 * ("10M", "1Gi", "500k") in bits per second, held to the range kubelet accepts.
 */
final class BandwidthQuantity {
  private static final Pattern QUANTITY =
      Pattern.compile(
          "\\+?([0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|[mkMGTPE]|[eE][-+]?[0-9]+)?");
  private static final Map<String, BigDecimal> SUFFIXES =
      Map.ofEntries(
          Map.entry("m", new BigDecimal("0.001")),
          Map.entry("k", BigDecimal.TEN.pow(3)),
          Map.entry("M", BigDecimal.TEN.pow(6)),
          Map.entry("G", BigDecimal.TEN.pow(9)),
          Map.entry("T", BigDecimal.TEN.pow(12)),
          Map.entry("P", BigDecimal.TEN.pow(15)),
          Map.entry("E", BigDecimal.TEN.pow(18)),
          Map.entry("Ki", BigDecimal.valueOf(2).pow(10)),
          Map.entry("Mi", BigDecimal.valueOf(2).pow(20)),
          Map.entry("Gi", BigDecimal.valueOf(2).pow(30)),
          Map.entry("Ti", BigDecimal.valueOf(2).pow(40)),
          Map.entry("Pi", BigDecimal.valueOf(2).pow(50)),
          Map.entry("Ei", BigDecimal.valueOf(2).pow(60)));
  private static final BigDecimal MIN = BigDecimal.TEN.pow(3);
  private static final BigDecimal MAX = BigDecimal.TEN.pow(15);

  private BandwidthQuantity() {}

  static long bitsPerSecond(String annotation, String value) throws CniException {
    Matcher m = QUANTITY.matcher(value.strip());
    if (!m.matches()) {
      throw new CniException("annotation " + annotation + ": \"" + value + "\" is not a quantity");
    }
    BigDecimal number = new BigDecimal(m.group(1));
    String suffix = m.group(2);
    if (suffix != null
        && (suffix.startsWith("e") || suffix.startsWith("E") && suffix.length() > 1)) {
      number = number.scaleByPowerOfTen(Integer.parseInt(suffix.substring(1)));
    } else if (suffix != null) {
      number = number.multiply(SUFFIXES.get(suffix));
    }
    if (number.compareTo(MIN) < 0 || number.compareTo(MAX) > 0) {
      throw new CniException(
          "annotation " + annotation + ": " + value + " is outside 1kbit..1Pbit per second");
    }
    return number.setScale(0, RoundingMode.CEILING).longValueExact();
  }
}
