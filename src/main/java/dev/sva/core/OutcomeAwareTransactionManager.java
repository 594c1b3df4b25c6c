package dev.sva.core;

import jakarta.persistence.EntityManagerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.transaction.support.DefaultTransactionStatus;

/**
 * The JPA transaction manager, except that a commit the database link broke under is reported as
 * {@link CommitOutcomeUnknownException}: the one moment at which a failed request may nonetheless have
 * changed the state. A link broken before the commit leaves nothing behind (the server rolls back a
 * transaction whose connection is gone), so those failures keep their own exception and are answered
 * {@code outcome: NOT_APPLIED}.
 */
public class OutcomeAwareTransactionManager extends JpaTransactionManager {

    private final ObjectProvider<CommitOutcomeObserver> observers;

    /** {@code observers} are looked up when an outcome is unknown (they may depend on this manager). */
    public OutcomeAwareTransactionManager(EntityManagerFactory emf, ObjectProvider<CommitOutcomeObserver> observers) {
        super(emf);
        this.observers = observers;
    }

    @Override
    protected void doCommit(DefaultTransactionStatus status) {
        try {
            super.doCommit(status);
        } catch (RuntimeException e) {
            if (!status.isReadOnly() && DatabaseFailures.isConnectionFailure(e)) {
                observers.orderedStream().forEach(CommitOutcomeObserver::outcomeUnknown);
                throw new CommitOutcomeUnknownException(e);
            }
            throw e;
        }
    }
}
