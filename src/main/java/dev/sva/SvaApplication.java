package dev.sva;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/** The SVA control plane: IOMMU isolation state of accelerator hosts, and a DMA translation engine. */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class SvaApplication {

    public static void main(String[] args) {
        SpringApplication.run(SvaApplication.class, args);
    }
}
