// The members CSV import: phones reduced to digits, codes split, points kept or set, and every
// bad row rejected with its line number and column (shared ids, phones and codes name both lines).
import { describe, expect, it } from 'vitest';
import { MemberCsvError, parseMembersCsv, readMembersCsv } from '../../../../src/domain/members/member-csv.ts';

const HEADER = 'id,name,phone,codes,points,active';
const csv = (...rows: string[]) => [HEADER, ...rows].join('\n') + '\n';

describe('parseMembersCsv: valid files', () => {
  it('reads every column; empty points mean "keep the balance", empty active means yes', () => {
    const r = parseMembersCsv(csv('M001,王丽 Wang Li,+86 138-0000-0000,QR-M001|CARD 0001,120,yes', 'M002,Bob,,,,', 'M003,Carol,(010) 6666.7777,C3,0,NO'));
    expect(r.errors).toEqual([]);
    expect(r.members).toEqual([
      { id: 'M001', name: '王丽 Wang Li', phone: '8613800000000', codes: ['QR-M001', 'CARD 0001'], points: 120, active: true },
      { id: 'M002', name: 'Bob', phone: null, codes: [], points: null, active: true },
      { id: 'M003', name: 'Carol', phone: '01066667777', codes: ['C3'], points: 0, active: false },
    ]);
  });

  it('needs only id and name in the header, in any order', () => {
    expect(readMembersCsv('\uFEFFname,id\r\n"Doe, Jane",J1\r\n')).toEqual([{ id: 'J1', name: 'Doe, Jane', phone: null, codes: [], points: null, active: true }]);
  });
});

describe('parseMembersCsv: rejected rows name their line and column', () => {
  it('bad values', () => {
    const r = parseMembersCsv(
      csv(
        'M1,Ok,,,,', // 2
        'M 2,Space in id,,,,', // 3
        'M3,,,,,', // 4
        'M4,Bad phone,12ab,,,', // 5
        'M5,Short phone,1234,,,', // 6
        'M6,Bad points,,,-3,', // 7
        'M7,Fraction,,,1.5,', // 8
        'M8,Bad active,,,,maybe', // 9
        'M9,Code twice,,A|A,,', // 10
        'M10,Nine codes,,a|b|c|d|e|f|g|h|i,,', // 11
      ),
    );
    expect(r.errors.map((e) => [e.line, e.field])).toEqual([
      [3, 'id'],
      [4, 'name'],
      [5, 'phone'],
      [6, 'phone'],
      [7, 'points'],
      [8, 'points'],
      [9, 'active'],
      [10, 'codes'],
      [11, 'codes'],
    ]);
    expect(r.errors[2]?.message).toBe('phone "12ab" is not a phone number (5–20 digits; spaces, "+", "-", "." and brackets are allowed)');
    expect(r.members.map((m) => m.id)).toEqual(['M1']);
  });

  it('two rows sharing an id, a phone or a code: refused naming both lines and members', () => {
    const r = parseMembersCsv(csv('A1,Ann,138 0000 0001,QR-1,,', 'B2,Ben,138-0000-0002,QR-2,,', 'A1,Ann again,,,,', 'C3,Cat,13800000001,,,', 'D4,Dan,,QR-9|QR-2,,'));
    expect(r.errors).toEqual([
      { line: 4, field: 'id', message: 'member number "A1" is already given on line 2' },
      { line: 5, field: 'phone', message: "phone 13800000001 is already member A1's on line 2: a phone finds one member" },
      { line: 6, field: 'codes', message: 'code "QR-2" is already member B2\'s on line 3: a code finds one member' },
    ]);
  });

  it('a bad header, and readMembersCsv throws listing every error', () => {
    expect(parseMembersCsv('id,name,email\n').errors[0]?.message).toMatch(/^unknown column "email"/);
    expect(parseMembersCsv('name,phone\n').errors.map((e) => e.field)).toEqual(['id']);
    expect(() => readMembersCsv(csv('X,,,,,'))).toThrow(MemberCsvError);
    expect(() => readMembersCsv(csv('X,,,,,'))).toThrow(/^the members file has 1 error:\nline 2, name: name is empty$/);
  });
});
