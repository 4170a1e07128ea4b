package io.viewkeeper.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The modules' dependencies point one way, class by class (Maven's declared dependencies only bound them per
 * module): consensus uses nothing of ours nor any library; storage uses none of our modules; the ZooKeeper frontend
 * uses storage and not consensus; vkctl uses storage and not the server; nothing below the server uses it.
 */
class ModuleEdgesTest {
    private static final String CONSENSUS = "io.viewkeeper.consensus..";
    private static final String STORAGE = "io.viewkeeper.storage..";
    private static final String FRONTEND = "io.viewkeeper.frontend..";
    private static final String SERVER = "io.viewkeeper.server..";
    private static final String CTL = "io.viewkeeper.ctl..";
    private static final String BENCH = "io.viewkeeper.bench..";

    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        // test classes, in target/test-classes or in a module's test jar (the consensus simulator's), are not main
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(location -> !location.contains("-tests.jar"))
                .importPackages("io.viewkeeper");
    }

    @Test
    void shouldImportEveryModule() {
        for (String module : new String[] {"consensus", "storage", "frontend", "server", "ctl"}) {
            Assertions.assertThat(main.stream().anyMatch(c -> c.getPackageName().startsWith("io.viewkeeper." + module)))
                    .as("classes of %s imported", module).isTrue();
        }
    }

    @Test
    void shouldKeepConsensusFreeOfEverythingButTheJdk() {
        classes().that().resideInAPackage(CONSENSUS).should().onlyDependOnClassesThat()
                .resideInAnyPackage(CONSENSUS, "java..").check(main);
    }

    @Test
    void shouldKeepStorageFreeOfOtherModules() {
        noClasses().that().resideInAPackage(STORAGE).should().dependOnClassesThat()
                .resideInAnyPackage(CONSENSUS, FRONTEND, SERVER, CTL, BENCH).check(main);
    }

    @Test
    void shouldKeepFrontendOnStorageOnly() {
        noClasses().that().resideInAPackage(FRONTEND).should().dependOnClassesThat()
                .resideInAnyPackage(CONSENSUS, SERVER, CTL, BENCH).check(main);
    }

    @Test
    void shouldKeepServerFromTheToolsAboveIt() {
        noClasses().that().resideInAPackage(SERVER).should().dependOnClassesThat().resideInAnyPackage(CTL, BENCH)
                .check(main);
    }

    @Test
    void shouldKeepVkctlOnStorageOnly() {
        noClasses().that().resideInAPackage(CTL).should().dependOnClassesThat()
                .resideInAnyPackage(CONSENSUS, FRONTEND, SERVER, BENCH).check(main);
    }
}
