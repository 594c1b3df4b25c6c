package dev.sva.bond;

import java.time.Instant;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.transaction.annotation.Transactional;

interface RevokedBondRepository extends JpaRepository<RevokedBond, Long> {

    @Transactional
    @Modifying
    @Query("delete from RevokedBond r where r.revokedAt < :before")
    int deleteOlderThan(Instant before);
}
