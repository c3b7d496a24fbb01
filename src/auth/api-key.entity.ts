import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { exactColumn, instantColumn } from '../db/columns';
import { Role } from '../graphql/enums';

/** An API key; only the SHA-256 of its token is stored. */
@Entity('api_key')
export class ApiKey {
  @PrimaryGeneratedColumn()
  id: number;

  @Index({ unique: true })
  @Column(exactColumn(64))
  tokenHash: string;

  @Column({ type: 'varchar', length: 10 })
  role: Role;

  @Column({ type: 'int', nullable: true })
  merchantId: number | null;

  @Column({ length: 80 })
  label: string;

  @Column(instantColumn())
  createdAt: Date;

  @Column(instantColumn({ nullable: true }))
  revokedAt: Date | null;
}
