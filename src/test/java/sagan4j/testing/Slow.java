package sagan4j.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.Tag;

/**
 * A test of the slow tier (JUnit tag {@code slow}): run by {@code mvn verify}, left out of the fast
 * {@code mvn test} (pom.xml, profile test-tiers). For tests that take seconds each on a 2-core machine: kill
 * and resume, leak and heap probes, fuzzing, learning, whole-model and child-JVM checks.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("slow")
public @interface Slow {
}
