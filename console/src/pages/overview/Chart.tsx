import { useEffect, useRef, type ReactNode } from 'react';
import { createChart, type ChartOption, type ECharts } from './echarts.js';

/**
 * One ECharts chart in a React component: created once, given each new option (series that went
 * away are removed), resized with its box, disposed on unmount. Drawn marks are not accessible,
 * so the chart is an image with a text summary (`label`); `children` carries the figures as a
 * table for screen readers.
 */
export const Chart = ({
  option,
  label,
  testId,
  height = 240,
  children,
}: {
  option: ChartOption;
  label: string;
  testId: string;
  height?: number;
  children?: ReactNode;
}) => {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<ECharts | null>(null);

  useEffect(() => {
    const element = box.current;
    if (!element) return undefined;
    const instance = createChart(element);
    chart.current = instance;
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(element);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(option, { replaceMerge: ['series'] });
  }, [option]);

  return (
    <figure className="chart">
      <div ref={box} className="chart-canvas" role="img" aria-label={label} data-testid={testId} style={{ height }} />
      {children}
    </figure>
  );
};
