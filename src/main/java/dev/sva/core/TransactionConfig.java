package dev.sva.core;

import jakarta.persistence.EntityManagerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.transaction.autoconfigure.TransactionManagerCustomizers;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/** Replaces Boot's JPA transaction manager with the {@link OutcomeAwareTransactionManager}, customised alike. */
@Configuration(proxyBeanMethods = false)
class TransactionConfig {

    @Bean
    PlatformTransactionManager transactionManager(EntityManagerFactory emf,
                                                  ObjectProvider<TransactionManagerCustomizers> customizers) {
        OutcomeAwareTransactionManager manager = new OutcomeAwareTransactionManager(emf);
        customizers.ifAvailable(c -> c.customize(manager));
        return manager;
    }
}
