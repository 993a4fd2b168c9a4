import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scoreChurn, trainChurnModel } from './churn-model.js';
import { telcoFixtureCsv } from './fixtures/generate-telco-fixture.js';
import { readTelcoFixture, TELCO_FEATURES } from './fixtures/telco-csv.js';

// The generic training API on a table in the shape of the public IBM "Telco Customer Churn" data:
// tenure, contract type, monthly and total charges, services. The fixture is synthetic (see its
// generator); nothing here is specific to it but the feature list.
const records = readTelcoFixture();
const model = trainChurnModel(
  records,
  records.map((r) => r.Churn === 'Yes'),
  records.map((r) => r.customerID!),
  { featureSpec: TELCO_FEATURES, trainedAt: '2024-07-05T00:00:00.000Z', testFraction: 0.3, l2: 0.01 },
);

describe('the Telco-shaped fixture', () => {
  it('is what its generator writes, with the real table’s columns and quirks', () => {
    const text = readFileSync(fileURLToPath(new URL('./fixtures/telco-churn-shape.csv', import.meta.url)), 'utf8');
    expect(text).toBe(telcoFixtureCsv());
    expect(records).toHaveLength(600);
    expect(Object.keys(records[0]!)).toEqual([
      'customerID',
      'gender',
      'SeniorCitizen',
      'Partner',
      'Dependents',
      'tenure',
      'PhoneService',
      'MultipleLines',
      'InternetService',
      'OnlineSecurity',
      'TechSupport',
      'StreamingTV',
      'Contract',
      'PaperlessBilling',
      'PaymentMethod',
      'MonthlyCharges',
      'TotalCharges',
      'Churn',
    ]);
    const blank = records.filter((r) => r.TotalCharges === '');
    expect(blank.length).toBeGreaterThan(0);
    expect(blank.every((r) => r.tenure === '0')).toBe(true);
    const churnRate = records.filter((r) => r.Churn === 'Yes').length / records.length;
    expect(churnRate).toBeGreaterThan(0.22);
    expect(churnRate).toBeLessThan(0.3);
  });
});

describe('training on the Telco-shaped table', () => {
  it('ranks held-out customers well', () => {
    expect(model.metrics.testRows).toBeGreaterThan(150);
    expect(model.metrics.auc).toBeGreaterThanOrEqual(0.75);
    expect(model.metrics.topDecileLift).toBeGreaterThan(1.5);
    expect(model.training.converged).toBe(true);
  });

  it('learns the known directions: month-to-month raises the risk, tenure and two-year contracts lower it', () => {
    const c = model.coefficients;
    expect(c['Contract=Month-to-month']).toBeGreaterThan(0);
    expect(c['Contract=Two year']).toBeLessThan(0);
    expect(c['tenure']).toBeLessThan(0);
    expect(c['InternetService=Fiber optic']).toBeGreaterThan(c['InternetService=DSL']!);
    // Tenure's whole effect, total charges moving with it, as a customer would see it.
    const base = { ...records[0]!, Contract: 'One year', MonthlyCharges: '70.00' };
    const early = scoreChurn(model, { ...base, tenure: '2', TotalCharges: '140.00' }).probability;
    const late = scoreChurn(model, { ...base, tenure: '60', TotalCharges: '4200.00' }).probability;
    expect(early).toBeGreaterThan(late);
  });

  it('handles blank total charges as missing', () => {
    const newcomer = records.find((r) => r.TotalCharges === '')!;
    const { probability } = scoreChurn(model, newcomer);
    expect(probability).toBeGreaterThan(0);
    expect(probability).toBeLessThan(1);
    expect(model.coefficients['TotalCharges:missing']).toBeDefined();
  });

  it('names the contract among the reasons of a high-risk customer', () => {
    const riskiest = records.reduce((best, r) => (scoreChurn(model, r).probability > scoreChurn(model, best).probability ? r : best));
    const { probability, reasons } = scoreChurn(model, riskiest);
    expect(probability).toBeGreaterThan(0.5);
    expect(riskiest.Contract).toBe('Month-to-month');
    expect(reasons.map((r) => r.text)).toContain('contract: Month-to-month');
  });
});
