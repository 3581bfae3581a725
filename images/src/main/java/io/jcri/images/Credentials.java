package io.jcri.images;

/**
 * Registry credentials as CRI's AuthConfig carries them; empty strings for absent fields. {@code
 * auth} is base64 "user:password"; {@code registryToken} is a ready Bearer token; {@code
 * identityToken} is an OAuth2 refresh token.
 */
public record Credentials(
    String username, String password, String auth, String identityToken, String registryToken) {
  public static final Credentials NONE = new Credentials("", "", "", "", "");

  public Credentials {
    username = nz(username);
    password = nz(password);
    auth = nz(auth);
    identityToken = nz(identityToken);
    registryToken = nz(registryToken);
  }

  public static Credentials basic(String username, String password) {
    return new Credentials(username, password, "", "", "");
  }

  public boolean isEmpty() {
    return username.isEmpty()
        && password.isEmpty()
        && auth.isEmpty()
        && identityToken.isEmpty()
        && registryToken.isEmpty();
  }

  /** "user:password" for Basic, from username/password or the auth field; null if neither. */
  public String userColonPassword() {
    if (!username.isEmpty()) {
      return username + ":" + password;
    }
    if (!auth.isEmpty()) {
      try {
        return new String(
            java.util.Base64.getDecoder().decode(auth.strip()),
            java.nio.charset.StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw new ImageException(
            ImageException.Reason.UNAUTHORIZED, "auth field is not valid base64");
      }
    }
    return null;
  }

  @Override
  public String toString() {
    // never print secrets
    return "Credentials[username=" + username + "]";
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }
}
