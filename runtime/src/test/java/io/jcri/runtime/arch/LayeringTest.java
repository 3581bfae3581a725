package io.jcri.runtime.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module and error boundaries as build-time rules: gRPC stays at the edge (the server, the
 * streaming HTTP edge and the daemon's main), and the library modules never reach up into runtime.
 */
class LayeringTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importMainClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.jcri.runtime", "io.jcri.images", "io.jcri.cni", "io.jcri.sys");
  }

  @Test
  void onlyTheEdgeKnowsGrpc() {
    noClasses()
        .that()
        .resideOutsideOfPackages("io.jcri.runtime.server..", "io.jcri.runtime.streaming..")
        .and()
        .haveNameNotMatching("io\\.jcri\\.runtime\\.Jcrid(\\$.*)?")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.grpc..")
        .because(
            "domain code throws io.jcri.sys.Failure; server/GrpcErrors alone turns it into a status")
        .check(classes);
  }

  @Test
  void libraryModulesNeverDependOnRuntime() {
    noClasses()
        .that()
        .resideInAnyPackage("io.jcri.images..", "io.jcri.cni..", "io.jcri.sys..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.jcri.runtime..")
        .because("runtime depends on images, cni and sys, never the reverse")
        .check(classes);
  }

  @Test
  void imagesAndCniDependOnlyOnSys() {
    noClasses()
        .that()
        .resideInAPackage("io.jcri.images..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.jcri.cni..")
        .check(classes);
    noClasses()
        .that()
        .resideInAPackage("io.jcri.cni..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.jcri.images..")
        .check(classes);
    noClasses()
        .that()
        .resideInAPackage("io.jcri.sys..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.jcri.images..", "io.jcri.cni..")
        .check(classes);
  }
}
