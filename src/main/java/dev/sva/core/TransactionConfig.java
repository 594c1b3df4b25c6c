package dev.sva.core;

import jakarta.persistence.EntityManagerFactory;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.transaction.autoconfigure.TransactionManagerCustomizers;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.LazyConnectionDataSourceProxy;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * Replaces Boot's JPA transaction manager with the {@link OutcomeAwareTransactionManager}, customised
 * alike, and makes transactions take their pool connection at their first statement rather than at
 * their begin: a change waits for its node's gate before that (docs/architecture.md, "Locking"), so a
 * request queued on a busy node holds no connection.
 */
@Configuration(proxyBeanMethods = false)
class TransactionConfig {

    @Bean
    PlatformTransactionManager transactionManager(EntityManagerFactory emf,
                                                  ObjectProvider<TransactionManagerCustomizers> customizers,
                                                  ObjectProvider<CommitOutcomeObserver> outcomeObservers) {
        OutcomeAwareTransactionManager manager = new OutcomeAwareTransactionManager(emf, outcomeObservers);
        customizers.ifAvailable(c -> c.customize(manager));
        return manager;
    }

    /** Wraps the pool ({@code dataSource}) in a {@link LazyConnectionDataSourceProxy}. */
    @Bean
    static BeanPostProcessor lazyConnections() {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String name) {
                if (bean instanceof DataSource pool && "dataSource".equals(name) && !(bean instanceof LazyConnectionDataSourceProxy)) {
                    return new LazyConnectionDataSourceProxy(pool);
                }
                return bean;
            }
        };
    }
}
